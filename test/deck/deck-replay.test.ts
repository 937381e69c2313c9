// Issue 9: the requests decK makes during `deck gateway sync` and `dump` (deck-sync.sequence.json),
// replayed against a started platform under both Kong Admin bases decK has used.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isUuid } from '@gatehouse/schema';
import { startPlatform, type RunningPlatform } from '@gatehouse/test-kit/platform.ts';
import { CA_CERT, RSA_CERT, RSA_KEY } from '@gatehouse/control-plane/api/core-entities-certs.fixtures.ts';

interface Step {
  method: string;
  path: string;
  body?: unknown;
  expect: { status: number | number[]; fields?: Record<string, string | { equals: unknown }> };
  capture?: Record<string, string>;
}
interface Sequence { phases: { name: string; steps: Step[] }[] }

const SEQUENCE: Sequence = JSON.parse(readFileSync(new URL('./deck-sync.sequence.json', import.meta.url), 'utf8'));
const PEMS: Record<string, string> = { RSA_CERT, RSA_KEY, CA_CERT };

const ABSENT = Symbol('absent');

/** `a.b`, `a[]` (every element), `a[k=v]` (the element whose k is v); dots inside brackets are literal. */
function splitPath(path: string): string[] {
  return path.match(/[^.[\]]+(?:\[[^\]]*\])?|\[[^\]]*\]/g) ?? [];
}

function resolve(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const segment of splitPath(path)) {
    const m = /^([^[]+)?(?:\[([^\]]*)\])?$/.exec(segment)!;
    const [, key, selector] = m;
    current = current.flatMap((v) => {
      let next: unknown = v;
      if (key !== undefined) next = v !== null && typeof v === 'object' && key in v ? (v as Record<string, unknown>)[key] : ABSENT;
      if (selector === undefined) return [next];
      if (!Array.isArray(next)) return [ABSENT];
      if (selector === '') return next;
      const eq = selector.indexOf('=');
      const found = next.find((e) => e && String(e[selector.slice(0, eq)]) === selector.slice(eq + 1));
      return [found ?? ABSENT];
    });
  }
  return current;
}

function check(actual: unknown, spec: string | { equals: unknown }, where: string): void {
  if (typeof spec === 'object') return assert.deepEqual(actual, spec.equals, where);
  if (spec === 'absent') return assert.equal(actual, ABSENT, `${where}: expected absent, got ${JSON.stringify(actual)}`);
  assert.notEqual(actual, ABSENT, `${where}: missing`);
  const ok = {
    string: typeof actual === 'string',
    number: typeof actual === 'number',
    integer: Number.isInteger(actual),
    boolean: typeof actual === 'boolean',
    array: Array.isArray(actual),
    object: actual !== null && typeof actual === 'object' && !Array.isArray(actual),
    null: actual === null,
    uuid: typeof actual === 'string' && isUuid(actual),
  }[spec];
  assert.ok(ok, `${where}: expected ${spec}, got ${JSON.stringify(actual)}`);
}

const fill = (text: string, vars: Record<string, string>) => text.replace(/\{\{(\w+)\}\}|\{(\w+)\}/g, (_m, pem: string, v: string) => (pem ? PEMS[pem] : vars[v]) ?? _m);
const fillBody = (body: unknown, vars: Record<string, string>): unknown => (body === undefined ? undefined : JSON.parse(JSON.stringify(body), (_k, v) => (typeof v === 'string' ? fill(v, vars) : v)));

describe('decK sync and dump replay', () => {
  let platform: RunningPlatform;
  before(async () => {
    platform = await startPlatform();
  });
  after(() => platform?.destroy());

  const bases = [
    ['v2 core-entities base (decK >= 1.44)', (cp: string) => `/v2/control-planes/${cp}/core-entities`],
    ['runtime_groups base (decK 1.12 to 1.43)', (cp: string) => `/konnect-api/api/runtime_groups/${cp}`],
  ] as const;
  for (const [label, baseOf] of bases) {
    it(`answers every request as decK expects under the ${label}`, async () => {
      const name = `deck-${label.slice(0, 2)}`;
      const created = await platform.api('POST', '/v2/control-planes', { name, cluster_type: 'CLUSTER_TYPE_SERVERLESS_V1', cloud_gateway: true, auth_type: 'pinned_client_certs' });
      assert.equal(created.status, 201);
      const vars: Record<string, string> = { name };
      let count = 0;
      for (const phase of SEQUENCE.phases) {
        for (const step of phase.steps) {
          if (vars.cp) vars.base = baseOf(vars.cp);
          const path = fill(step.path, vars);
          const where = `${phase.name}: ${step.method} ${path}`;
          const res = await platform.api(step.method, path, fillBody(step.body, vars));
          const statuses = Array.isArray(step.expect.status) ? step.expect.status : [step.expect.status];
          assert.ok(statuses.includes(res.status), `${where}: status ${res.status}, expected ${statuses.join('|')}: ${JSON.stringify(res.body)}`);
          // A list decK accepts must still be in Kong's list format when it answers 200.
          if (res.status === 200 && step.method === 'GET' && /\?size=1000/.test(path)) assert.ok(Array.isArray(res.body.data), `${where}: data`);
          for (const [field, spec] of Object.entries(step.expect.fields ?? {})) {
            const values = resolve(res.body, fill(field, vars));
            if (field.includes('[]') && spec !== 'absent') assert.ok(values.length > 0, `${where}: ${field} has no elements`);
            for (const v of values) check(v, spec, `${where}: ${field}`);
          }
          for (const [variable, field] of Object.entries(step.capture ?? {})) vars[variable] = resolve(res.body, fill(field, vars))[0] as string;
          count++;
        }
      }
      assert.equal(vars.cp, created.body.id, 'the lookup found the control plane by name');
      assert.ok(count > 60);
    });
  }

  it('answers the runtime groups listing in pages decK walks, and refuses a bad page', async () => {
    const all = await platform.api('GET', '/konnect-api/api/runtime_groups');
    const pages = await platform.api('GET', '/konnect-api/api/runtime_groups?page=1&size=1');
    assert.equal(pages.status, 200);
    assert.equal(pages.body.data.length, 1);
    assert.equal(pages.body.pageCount, all.body.data.length);
    const bad = await platform.api('GET', '/konnect-api/api/runtime_groups?page=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.invalid_parameters[0].field, 'page');
    const anonymous = await fetch(`${platform.apiUrl}/konnect-api/api/runtime_groups`);
    assert.equal(anonymous.status, 401);
    const org = await fetch(`${platform.apiUrl}/v2/organizations/me`);
    assert.equal(org.status, 401);
  });
});
