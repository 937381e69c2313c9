import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CliError } from '../errors.ts';
import { parseAssignments } from '../entity-commands.ts';
import { toDeclarative } from './dump.ts';
import type { LiveState } from './live.ts';
import { expandUrl, readDesired } from './model.ts';
import { computePlan, formatPlan } from './plan.ts';
import { parseSource, substituteEnv } from './source.ts';

const desired = (yaml: string) => readDesired(parseSource(yaml, 'kong.yaml'));
const fileError = (yaml: string): string => {
  try {
    desired(yaml);
  } catch (error) {
    assert.ok(error instanceof CliError);
    assert.equal(error.code, 'ERR_CLI_FILE');
    return error.message;
  }
  assert.fail('expected a file error');
};

describe('expandUrl', () => {
  const cases: [string, unknown][] = [
    ['http://a.test', { protocol: 'http', host: 'a.test', port: 80, path: null }],
    ['https://a.test', { protocol: 'https', host: 'a.test', port: 443, path: null }],
    ['http://a.test:8080/v1', { protocol: 'http', host: 'a.test', port: 8080, path: '/v1' }],
    ['grpcs://[::1]:9000', { protocol: 'grpcs', host: '[::1]', port: 9000, path: null }],
  ];
  for (const [url, expected] of cases) it(`expands ${url}`, () => assert.deepEqual(expandUrl(url, {}), expected));
  it('refuses url with host', () => assert.match(String(expandUrl('http://a', { host: 'b' })), /cannot be combined with host/));
  it('refuses a non-URL', () => assert.match(String(expandUrl('a.test', {})), /must look like/));
});

describe('substituteEnv', () => {
  it('substitutes DECK_ variables as decK does', () => {
    assert.equal(substituteEnv('host: ${{ env "DECK_HOST" }}', 'f', { DECK_HOST: 'a.test' }), 'host: a.test');
  });
  it('refuses unset and unprefixed variables, naming the line', () => {
    assert.throws(() => substituteEnv('a: 1\nb: ${{ env "DECK_X" }}', 'f', {}), /f:2: environment variable DECK_X is not set/);
    assert.throws(() => substituteEnv('b: ${{ env "HOME" }}', 'f', { HOME: '/' }), /must be prefixed with DECK_/);
  });
});

describe('parseAssignments', () => {
  const cases: [string[], unknown][] = [
    [['name=a', 'port=8080'], { name: 'a', port: 8080 }],
    [['paths=/a,/b'], { paths: ['/a', '/b'] }],
    [['paths=["/a"]'], { paths: ['/a'] }],
    [['config.minute=5', 'config.policy=local'], { config: { minute: 5, policy: 'local' } }],
    [['enabled=false'], { enabled: false }],
  ];
  for (const [pairs, expected] of cases) it(`parses ${pairs.join(' ')}`, () => assert.deepEqual(parseAssignments(pairs, 'x'), expected));
  it('refuses a pair without =', () => assert.throws(() => parseAssignments(['oops'], 'x'), (e: CliError) => e.exitCode === 2));
});

describe('readDesired', () => {
  it('flattens nested and top-level entities and resolves references', () => {
    const state = desired(`_format_version: "3.0"
services:
- name: s
  url: http://a.test
  routes: [{ name: r, paths: [/r], plugins: [{ name: cors }] }]
routes: [{ name: r2, service: s, paths: [/r2] }]
plugins: [{ name: key-auth, route: r2 }, { name: acl }]
`);
    assert.deepEqual(state.services.map((s) => s.fields), [{ name: 's', protocol: 'http', host: 'a.test', port: 80, path: null }]);
    assert.equal(state.routes[1].refs.service, state.services[0]);
    assert.deepEqual(state.plugins.map((p) => p.label), ["plugin 'cors' on route 'r'", "plugin 'key-auth' on route 'r2'", "plugin 'acl' (global)"]);
  });
  const bad: [string, string, RegExp][] = [
    ['no version', 'services: []', /_format_version is required/],
    ['unknown top-level key', '_format_version: "3.0"\nservice: []', /kong\.yaml:2: unknown field 'service'/],
    ['vaults for now', '_format_version: "3.0"\nvaults: [{ name: v }]', /kong\.yaml:2: vaults are not supported/],
    ['a consumer without username or custom_id', '_format_version: "3.0"\nconsumers: [{ tags: [a] }]', /kong\.yaml:2: consumer '#0': a consumer needs a username or a custom_id/],
    ['unknown field', '_format_version: "3.0"\nservices:\n- name: s\n  host: a\n  hots: b', /kong\.yaml:5: service 's': unknown field 'hots'/],
    ['bad enum', '_format_version: "3.0"\nservices:\n- name: s\n  host: a\n  protocol: ftp', /kong\.yaml:5: service 's': protocol must be one of/],
    ['dangling route', '_format_version: "3.0"\nplugins:\n- name: cors\n  route: nope', /kong\.yaml:4: plugin 'cors' references route 'nope', which is not in this file/],
    ['foreign key under a parent', '_format_version: "3.0"\nservices:\n- name: s\n  host: a\n  plugins:\n  - name: cors\n    route: x', /kong\.yaml:7: .*'route' must not be set/],
    ['duplicate route', '_format_version: "3.0"\nroutes:\n- name: r\n  paths: [/]\n- name: r\n  paths: [/a]', /kong\.yaml:5: route 'r' is defined twice \(also at line 3\)/],
  ];
  for (const [what, yaml, message] of bad) it(`refuses ${what}`, () => assert.match(fileError(yaml), message));
  it('adds select_tags to every entity', () => {
    const state = desired('_format_version: "3.0"\n_info: { select_tags: [t] }\nservices: [{ name: s, host: a, tags: [x] }]');
    assert.deepEqual(state.services[0].fields.tags, ['x', 't']);
  });
});

const SVC = '11111111-1111-4111-8111-111111111111';
const ROUTE = '22222222-2222-4222-8222-222222222222';
const PLUGIN = '33333333-3333-4333-8333-333333333333';
const live = (): LiveState => ({
  certificates: [],
  snis: [],
  ca_certificates: [],
  upstreams: [],
  targets: [],
  consumer_groups: [],
  consumer_group_members: [],
  consumers: [],
  keyauth_credentials: [],
  basicauth_credentials: [],
  jwt_secrets: [],
  hmacauth_credentials: [],
  acls: [],
  services: [{ id: SVC, name: 's', protocol: 'http', host: 'a.test', port: 80, path: null, retries: 5, connect_timeout: 60000, write_timeout: 60000, read_timeout: 60000, enabled: true, tags: null, created_at: 1, updated_at: 1 }],
  routes: [{ id: ROUTE, name: 'r', paths: ['/r'], service: { id: SVC }, protocols: ['http', 'https'], strip_path: true, tags: [], created_at: 1, updated_at: 1 }],
  plugins: [{ id: PLUGIN, name: 'cors', route: { id: ROUTE }, service: null, consumer: null, config: { origins: ['*'], max_age: null }, enabled: true, protocols: ['grpc', 'grpcs', 'http', 'https'], created_at: 1, updated_at: 1 }],
});
const FILE = `_format_version: "3.0"
services:
- name: s
  url: http://a.test
  routes:
  - name: r
    paths: [/r]
    plugins: [{ name: cors, config: { origins: ["*"] } }]
`;

describe('computePlan', () => {
  it('plans nothing when the live state matches (defaults and config defaults included)', () => {
    assert.deepEqual(computePlan(desired(FILE), live()).changes, []);
  });
  it('plans only the changed field', () => {
    const { changes } = computePlan(desired(FILE.replace('paths: [/r]', 'paths: [/v2]')), live());
    assert.deepEqual(changes.map((c) => [c.action, c.label, c.changes]), [['update', "route 'r' in service 's'", [{ field: 'paths', from: ['/r'], to: ['/v2'] }]]]);
    assert.match(formatPlan(changes, 'x'), /~ update route 'r' in service 's'\n {6}paths: \["\/r"\] -> \["\/v2"\]\n1 change: 0 to create, 1 to update, 0 to delete\./);
  });
  it('deletes what the file leaves out, plugins before routes before services', () => {
    const { changes } = computePlan(desired('_format_version: "3.0"'), live());
    assert.deepEqual(changes.map((c) => `${c.action} ${c.type}`), ['delete plugins', 'delete routes', 'delete services']);
  });
  it('creates a plugin whose scope changed instead of matching the old one', () => {
    const { changes } = computePlan(desired(FILE.replace('    plugins: [{ name: cors, config: { origins: ["*"] } }]\n', '') + '  plugins: [{ name: cors }]\n'), live());
    assert.deepEqual(changes.map((c) => `${c.action} ${c.label}`), ["create plugin 'cors' on service 's'", "delete plugin 'cors' on route 'r'"]);
  });
});

describe('toDeclarative', () => {
  it('dumps a file that plans nothing against the state it came from', () => {
    const state = live();
    const doc = toDeclarative(state, { selectTags: [] });
    assert.deepEqual(doc.services, [{ name: 's', host: 'a.test', routes: [{ name: 'r', paths: ['/r'], plugins: [{ name: 'cors', config: { origins: ['*'], max_age: null } }] }] }]);
    assert.deepEqual(computePlan(desired(JSON.stringify(doc)), state).changes, []);
  });
});
