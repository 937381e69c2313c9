import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validatePluginConfig } from '../schemas.ts';
import { runPlugin } from '../testing.ts';
import handler from './handler.ts';

describe('request-size-limiting schema', () => {
  it('fills Kong defaults', () => {
    const r = validatePluginConfig('request-size-limiting', {});
    assert.ok(r.ok);
    assert.deepEqual(r.value, { allowed_payload_size: 128, size_unit: 'megabytes', require_content_length: false });
  });

  const rejects: Array<[string, unknown, string, string]> = [
    ['an unknown unit', { size_unit: 'gigabytes' }, 'size_unit', 'enum'],
    ['a fractional size', { allowed_payload_size: 1.5 }, 'allowed_payload_size', 'is_integer'],
  ];
  for (const [name, config, field, rule] of rejects) {
    it(`rejects ${name}`, () => {
      const r = validatePluginConfig('request-size-limiting', config);
      assert.ok(!r.ok);
      assert.deepEqual(r.errors.map((e) => [e.field, e.rule]), [[field, rule]]);
    });
  }
});

describe('request-size-limiting handler', () => {
  const cases: Array<[string, unknown, Record<string, string>, string | null, number | null]> = [
    ['allows a Content-Length at the limit', { allowed_payload_size: 10, size_unit: 'bytes' }, { 'content-length': '10' }, null, null],
    ['refuses a Content-Length over the limit', { allowed_payload_size: 10, size_unit: 'bytes' }, { 'content-length': '11' }, null, 413],
    ['uses kilobytes of 1024 bytes', { allowed_payload_size: 1, size_unit: 'kilobytes' }, { 'content-length': '1025' }, null, 413],
    ['uses megabytes of 1048576 bytes', { allowed_payload_size: 1 }, { 'content-length': '1048576' }, null, null],
    ['answers 417 to Expect: 100-continue', { allowed_payload_size: 1, size_unit: 'bytes' }, { 'content-length': '2', expect: '100-Continue' }, null, 417],
    ['measures a chunked body', { allowed_payload_size: 3, size_unit: 'bytes' }, { 'transfer-encoding': 'chunked' }, 'abcd', 413],
    ['requires a Content-Length when configured', { require_content_length: true }, {}, null, 411],
    ['accepts a chunked body without Content-Length when required', { require_content_length: true }, { 'transfer-encoding': 'chunked' }, 'ab', null],
  ];
  for (const [name, config, headers, body, status] of cases) {
    it(name, async () => {
      const { response } = await runPlugin(handler, config, { method: 'POST', headers, body: body === null ? null : Buffer.from(body) });
      assert.equal(response?.status ?? null, status);
      if (status !== null && status !== 411) assert.equal(response?.body, 'Request size limit exceeded');
    });
  }

  it("answers 411 with Kong's message", async () => {
    const { response } = await runPlugin(handler, { require_content_length: true }, { method: 'POST' });
    assert.deepEqual(response, { kind: 'error', status: 411, body: 'A valid Content-Length header is required', headers: null });
  });
});
