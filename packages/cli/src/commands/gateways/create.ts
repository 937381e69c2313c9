import { ApiError } from '@gatehouse/api-client';
import type { Command } from '../../context.ts';
import { CLI_ERRORS, CliError } from '../../errors.ts';
import { hostnamesOf } from '../../gateways.ts';
import { printObject, progress } from '../../output.ts';

const TIMEOUT_MS = 60_000;

export default {
  summary: 'Create a serverless gateway (control plane + configuration) and wait until it is ready.',
  usage: 'gateways create <name> [--v0] [--description <text>] [--region us|eu] [--json]',
  positionals: { min: 1, max: 1 },
  options: { v0: { type: 'boolean' }, description: { type: 'string' }, region: { type: 'string' } },
  async run(ctx, { positionals: [name], values }) {
    const client = ctx.client();
    const isV0 = Boolean(values.v0);
    const region = (values.region as string | undefined) ?? (isV0 ? 'na' : 'us');
    // README: V1 is CLUSTER_TYPE_SERVERLESS_V1 + cloud_gateway on aws us|eu; V0 is one global region.
    const cp = await client.controlPlanes
      .create({
        name,
        ...(values.description ? { description: values.description as string } : {}),
        cluster_type: isV0 ? 'CLUSTER_TYPE_SERVERLESS' : 'CLUSTER_TYPE_SERVERLESS_V1',
        cloud_gateway: !isV0,
        auth_type: 'pinned_client_certs',
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.status === 409) {
          throw new CliError(CLI_ERRORS.API, `a gateway named '${name}' already exists`, `Pick another name, or look at it with \`gatehouse gateways get ${name}\`.`);
        }
        throw error;
      });
    let configuration;
    try {
      configuration = await client.configurations.put({
        control_plane_id: cp.id,
        control_plane_geo: isV0 ? 'us' : region === 'eu' ? 'eu' : 'us',
        dataplane_groups: [isV0 ? { region } : { provider: 'aws', region }],
        kind: isV0 ? 'serverless.v0' : 'serverless.v1',
      });
    } catch (error) {
      // Do not leave a half-made gateway behind: the name would be taken by a control plane that serves nothing.
      await client.controlPlanes.delete(cp.id).catch(() => undefined);
      throw error;
    }
    const wait = progress(ctx, `Creating gateway '${name}'`);
    const deadline = Date.now() + TIMEOUT_MS;
    while (!configuration.dataplane_groups.every((g) => g.state === 'ready')) {
      if (Date.now() > deadline) {
        wait.fail('still not ready');
        throw new CliError(CLI_ERRORS.TIMEOUT, `gateway '${name}' was not ready within ${TIMEOUT_MS / 1000}s (state: ${configuration.dataplane_groups.map((g) => g.state).join(',')})`, `Check it later with \`gatehouse gateways get ${name}\`.`);
      }
      await new Promise((r) => setTimeout(r, 100));
      configuration = await client.configurations.get(configuration.id);
    }
    wait.done('ready');
    const ready = await client.controlPlanes.get(cp.id);
    const hostname = hostnamesOf(configuration)[0] ?? '';
    const proxy = ready.config.proxy_urls.find((u) => u.host === hostname) ?? ready.config.proxy_urls[0];
    const url = proxy ? `${proxy.protocol}://${proxy.host}:${proxy.port}` : `http://${hostname}`;
    if (ctx.json) {
      return ctx.out(JSON.stringify({ id: cp.id, name, kind: configuration.kind, state: 'ready', hostname, proxy_url: url, configuration_id: configuration.id }, null, 2));
    }
    printObject(ctx, { id: cp.id, name, kind: configuration.kind, hostname, proxy_url: url });
    ctx.out(`\nAdd a service and a route (\`gatehouse apply -f kong.yaml --gateway ${name}\`), then try:\n  curl -i ${url}/`);
    // *.localhost resolves to loopback in curl and browsers; other base domains need DNS or --resolve.
    if (proxy && !proxy.host.endsWith('localhost')) ctx.out(`  curl -i --resolve ${proxy.host}:${proxy.port}:127.0.0.1 ${url}/`);
  },
} satisfies Command;
