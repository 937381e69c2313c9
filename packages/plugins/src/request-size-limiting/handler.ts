import { definePlugin, type PluginContext } from '../kit.ts';
import { requestSizeLimitingSchema, type RequestSizeLimitingConfig } from './schema.ts';

// Kong's request-size-limiting (kong/plugins/request-size-limiting/handler.lua; reference §5.12):
// Content-Length decides when it is numeric; otherwise the (buffered) body's size does.

const MULTIPLIERS: Record<RequestSizeLimitingConfig['size_unit'], number> = { megabytes: 1048576, kilobytes: 1024, bytes: 1 };
const DECIMAL = /^\s*\d+\s*$/;

interface State {
  maxBytes: number;
  requireContentLength: boolean;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

function tooLarge(ctx: PluginContext) {
  const isExpect = one(ctx.requestHeaders['expect'])?.trim().toLowerCase() === '100-continue';
  return ctx.error(isExpect ? 417 : 413, 'Request size limit exceeded');
}

export default definePlugin({
  name: 'request-size-limiting',
  priority: 951,
  schema: requestSizeLimitingSchema,
  compile: (config): State => ({ maxBytes: config.allowed_payload_size * MULTIPLIERS[config.size_unit], requireContentLength: config.require_content_length }),
  // A body without a numeric Content-Length must be read to be measured; the platform limit bounds it.
  needsBody: () => true,
  access(ctx, state) {
    const length = one(ctx.requestHeaders['content-length']);
    if (length !== undefined && DECIMAL.test(length)) {
      if (Number(length) > state.maxBytes) return tooLarge(ctx);
      return;
    }
    if (state.requireContentLength && ctx.requestHeaders['transfer-encoding'] === undefined) return ctx.error(411, 'A valid Content-Length header is required');
    if (ctx.body !== null && ctx.body.length > state.maxBytes) return tooLarge(ctx);
  },
});
