import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createTokenChecker } from './auth.ts';
import type { AppContext } from './context.ts';
import { KongError, PROBLEM_JSON, ProblemError } from './api/errors.ts';
import { registerApiRoutes } from './api/index.ts';
import { isUiRequest } from './api/ui.ts';

/** API request bodies above this are refused (413); entity documents are small. */
export const API_BODY_LIMIT_BYTES = 1024 * 1024;

// Core entities speak Kong's dialect; everything else is Konnect-native (problem+json).
const isKongFamily = (url: string): boolean => url.includes('/core-entities') || url.startsWith('/konnect-api/');

function sendProblem(reply: FastifyReply, error: ProblemError): FastifyReply {
  return reply.code(error.status).type(PROBLEM_JSON).send(error.toBody());
}

function sendKong(reply: FastifyReply, error: KongError): FastifyReply {
  return reply.code(error.status).type('application/json').send(error.toBody());
}

// Fastify's own errors (bad JSON, wrong media type, oversized body) in the family's format.
function frameworkError(request: FastifyRequest, error: FastifyError): ProblemError | KongError | undefined {
  const kong = isKongFamily(request.url);
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return kong
        ? new KongError(413, 3, `request body exceeds the limit of ${API_BODY_LIMIT_BYTES} bytes`)
        : new ProblemError(413, `Request body exceeds the limit of ${API_BODY_LIMIT_BYTES} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return kong
        ? new KongError(415, 3, 'This API only supports requests with `Content-Type: application/json`')
        : new ProblemError(415, 'This API only supports requests with `Content-Type: application/json`');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return kong
        ? new KongError(400, 3, 'invalid JSON body', [{ '@type': 'type.googleapis.com/kong.admin.model.v1.ErrorDetail', type: 'ERROR_TYPE_ENTITY', messages: ['request body is not valid JSON'] }])
        : new ProblemError(400, 'Invalid request format', { invalidParameters: [{ field: 'body', rule: 'invalid', reason: 'request format is invalid' }] });
  }
  return undefined;
}

/**
 * The control-plane HTTP API: auth, error rendering and every API module. No listening here, so tests
 * can `app.inject()` or listen on port 0.
 */
export async function createApp(ctx: AppContext): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: API_BODY_LIMIT_BYTES, routerOptions: { caseSensitive: true, ignoreTrailingSlash: true, maxParamLength: 512 } });
  // The API takes JSON only; without this Fastify would hand text/plain bodies to handlers as strings.
  app.removeContentTypeParser('text/plain');
  const isValidToken = createTokenChecker(ctx.store);

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('server', `gatehouse/${ctx.version}`);
    return payload;
  });

  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request)) return;
    if (await isValidToken(request.headers.authorization)) return;
    if (isKongFamily(request.url)) return reply.code(401).type('application/json').send({ message: 'Unauthorized', status: 401 });
    return sendProblem(reply, new ProblemError(401, 'A valid token is required', { title: 'Unauthorized' }));
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ProblemError) return sendProblem(reply, error);
    if (error instanceof KongError) return sendKong(reply, error);
    const mapped = frameworkError(request, error);
    if (mapped instanceof ProblemError) return sendProblem(reply, mapped);
    if (mapped instanceof KongError) return sendKong(reply, mapped);
    ctx.logger.error({ err: error, method: request.method, url: request.url }, 'unhandled API error');
    if (isKongFamily(request.url)) return sendKong(reply, new KongError(500, 13, 'An unexpected error occurred'));
    return sendProblem(reply, new ProblemError(500, 'An unexpected error occurred'));
  });

  app.setNotFoundHandler((request, reply) => {
    if (isKongFamily(request.url)) return sendKong(reply, new KongError(404, 5, 'Not found'));
    return sendProblem(reply, new ProblemError(404, `No API endpoint ${request.method} ${request.url.split('?')[0]}`));
  });

  await registerApiRoutes(app, ctx);
  return app;
}

// Paths anyone may read: the availability document (Konnect: `security: []`), health, and the UI's assets.
function isPublic(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0];
  return path === '/v2/cloud-gateways/availability.json' || path === '/v3/cloud-gateways/availability.json' || path === '/health' || isUiRequest(request.method, path);
}
