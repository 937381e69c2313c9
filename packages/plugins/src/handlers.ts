import type { AnyPlugin } from './kit.ts';
import requestTransformer from './request-transformer/handler.ts';
import cors from './cors/handler.ts';
import proxyCache from './proxy-cache/handler.ts';
import responseTransformer from './response-transformer/handler.ts';
import ipRestriction from './ip-restriction/handler.ts';
import requestSizeLimiting from './request-size-limiting/handler.ts';
import correlationId from './correlation-id/handler.ts';
import botDetection from './bot-detection/handler.ts';
import requestTermination from './request-termination/handler.ts';
import keyAuth from './key-auth/handler.ts';
import basicAuth from './basic-auth/handler.ts';
import acl from './acl/handler.ts';
import rateLimiting from './rate-limiting/handler.ts';
import httpLog from './http-log/handler.ts';
import prometheus from './prometheus/handler.ts';
import opentelemetry from './opentelemetry/handler.ts';
import jwt from './jwt/handler.ts';
import hmacAuth from './hmac-auth/handler.ts';
import responseRatelimiting from './response-ratelimiting/handler.ts';

// Registry of plugin handlers: what the data plane runs. Kong priorities decide the order, not this list.

/** Every plugin handler Gatehouse ships, by plugin name. */
export const PLUGIN_HANDLERS: ReadonlyMap<string, AnyPlugin> = new Map<string, AnyPlugin>([
  [requestTransformer.name, requestTransformer],
  [cors.name, cors],
  [proxyCache.name, proxyCache],
  [responseTransformer.name, responseTransformer],
  [ipRestriction.name, ipRestriction],
  [requestSizeLimiting.name, requestSizeLimiting],
  [correlationId.name, correlationId],
  [botDetection.name, botDetection],
  [requestTermination.name, requestTermination],
  [keyAuth.name, keyAuth],
  [basicAuth.name, basicAuth],
  [acl.name, acl],
  [rateLimiting.name, rateLimiting],
  [jwt.name, jwt],
  [httpLog.name, httpLog],
  [prometheus.name, prometheus],
  [opentelemetry.name, opentelemetry],
  [hmacAuth.name, hmacAuth],
  [responseRatelimiting.name, responseRatelimiting],
]);
