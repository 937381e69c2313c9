import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';

// Placeholder: replaced by the real module.
export async function registerCoreEntityRoutes(_app: FastifyInstance, _ctx: AppContext): Promise<void> {}
