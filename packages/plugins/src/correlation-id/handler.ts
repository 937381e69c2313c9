import { randomUUID } from 'node:crypto';
import { definePlugin, type PluginContext } from '../kit.ts';
import { correlationIdSchema, type CorrelationIdConfig } from './schema.ts';

// Kong's correlation-id (kong/plugins/correlation-id/handler.lua; reference §5.14): a request without
// the header (or with it empty) gets a generated id upstream; with echo_downstream the client sees it.

type Generator = (ctx: PluginContext) => string;

// Per process, like Kong's per-worker uuid and counter.
const WORKER_UUID = randomUUID();
let counter = 0;
let trackerSeq = 0;

const GENERATORS: Record<CorrelationIdConfig['generator'], Generator> = {
  uuid: () => randomUUID(),
  'uuid#counter': () => `${WORKER_UUID}#${++counter}`,
  // Kong: server_addr-server_port-pid-connection-connection_requests-now. Gatehouse's context does not
  // carry the listener or connection: host, pid, a request sequence and the time stand in.
  tracker: (ctx) => `${ctx.host}-${process.pid}-${++trackerSeq}-${(Date.now() / 1000).toFixed(3)}`,
};

interface State {
  /** Lower-cased: the key of the header in the context's header objects. */
  key: string;
  generate: Generator;
  isEcho: boolean;
}

export default definePlugin({
  name: 'correlation-id',
  priority: 100001,
  schema: correlationIdSchema,
  compile: (config): State => ({ key: config.header_name.toLowerCase(), generate: GENERATORS[config.generator], isEcho: config.echo_downstream }),
  access(ctx, state) {
    const current = ctx.headers[state.key];
    if (current === undefined || current === '') ctx.headers[state.key] = state.generate(ctx);
  },
  headerFilter(ctx, state) {
    if (!state.isEcho || ctx.responseHeaders === null) return;
    const id = ctx.headers[state.key];
    if (id !== undefined) ctx.responseHeaders[state.key] = id;
  },
});
