import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';

// Placeholder: replaced by the real module.
export function registerControlPlaneRoutes(_app: FastifyInstance, _ctx: AppContext): void {}
