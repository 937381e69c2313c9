import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../context.ts';
import type { ClusterAppContext } from '../clustering/context.ts';
import { DpCertificateError, createDpCertificateService } from '../clustering/dp-certificates.ts';
import { requireJsonBody } from './schemas/request.ts';

type CpParams = { Params: { controlPlaneId: string } };
type CertParams = { Params: { controlPlaneId: string; certificateId: string } };

// Konnect answers these endpoints with its legacy body `{ message }` (spec #KonnectCPLegacyBaseError).
async function legacy<T>(reply: FastifyReply, status: number, fn: () => Promise<T>): Promise<unknown> {
  try {
    const body = await fn();
    return reply.code(status).send(body);
  } catch (err) {
    if (err instanceof DpCertificateError) return reply.code(err.status).send({ message: err.message });
    throw err;
  }
}

/** DP client certificates (reference/konnect-api.md §3): the certificates (or CAs) data planes connect with. */
export function registerDpClientCertificateRoutes(app: FastifyInstance, ctx: AppContext): void {
  const service = (ctx as ClusterAppContext).cluster?.certificates ?? createDpCertificateService(ctx.store);
  const base = '/v2/control-planes/:controlPlaneId/dp-client-certificates';

  app.get<CpParams>(base, (request, reply) => legacy(reply, 200, () => service.list(request.params.controlPlaneId)));
  app.post<CpParams>(base, { preValidation: requireJsonBody }, (request, reply) => legacy(reply, 201, () => service.create(request.params.controlPlaneId, request.body)));
  app.get<CertParams>(`${base}/:certificateId`, (request, reply) => legacy(reply, 200, () => service.get(request.params.controlPlaneId, request.params.certificateId)));
  app.put<CertParams>(`${base}/:certificateId`, { preValidation: requireJsonBody }, (request, reply) =>
    legacy(reply, 200, () => service.replace(request.params.controlPlaneId, request.params.certificateId, request.body)),
  );
  app.delete<CertParams>(`${base}/:certificateId`, (request, reply) => legacy(reply, 204, () => service.remove(request.params.controlPlaneId, request.params.certificateId)));
}
