import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PLUGIN_HANDLERS } from '@gatehouse/plugins';

// Golden order: every shipped plugin runs at Kong's PRIORITY (reference §2.2; Kong's
// spec/01-unit/12-plugins_order_spec.lua). A new plugin must be added here with Kong's value.

const KONG_PRIORITIES: Readonly<Record<string, number>> = {
  'pre-function': 1000000,
  'correlation-id': 100001,
  zipkin: 100000,
  'bot-detection': 2500,
  cors: 2000,
  session: 1900,
  acme: 1705,
  jwt: 1450,
  oauth2: 1400,
  'key-auth': 1250,
  'ldap-auth': 1200,
  'basic-auth': 1100,
  'hmac-auth': 1030,
  'grpc-gateway': 998,
  'ip-restriction': 990,
  'request-size-limiting': 951,
  acl: 950,
  'rate-limiting': 910,
  'response-ratelimiting': 900,
  'request-transformer': 801,
  'response-transformer': 800,
  redirect: 779,
  'aws-lambda': 750,
  'azure-functions': 749,
  'proxy-cache': 100,
  opentelemetry: 14,
  prometheus: 13,
  'http-log': 12,
  statsd: 11,
  datadog: 10,
  'file-log': 9,
  'udp-log': 8,
  'tcp-log': 7,
  loggly: 6,
  syslog: 4,
  'grpc-web': 3,
  'request-termination': 2,
  'post-function': -1000,
};

describe('plugin order', () => {
  const shipped = [...PLUGIN_HANDLERS.values()];

  it("gives every shipped plugin Kong's priority", () => {
    for (const plugin of shipped) assert.equal(plugin.priority, KONG_PRIORITIES[plugin.name], `${plugin.name} priority`);
  });

  it('has no duplicate priority', () => {
    const seen = new Map<number, string>();
    for (const plugin of shipped) {
      assert.equal(seen.get(plugin.priority), undefined, `${plugin.name} and ${seen.get(plugin.priority)} share priority ${plugin.priority}`);
      seen.set(plugin.priority, plugin.name);
    }
  });

  it("runs shipped plugins in Kong's order", () => {
    const expected = Object.keys(KONG_PRIORITIES).filter((name) => PLUGIN_HANDLERS.has(name));
    const actual = [...shipped].sort((a, b) => b.priority - a.priority).map((p) => p.name);
    assert.deepEqual(actual, expected);
  });

  it('registers each plugin under its own name', () => {
    for (const [name, plugin] of PLUGIN_HANDLERS) assert.equal(plugin.name, name);
  });
});
