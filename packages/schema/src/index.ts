export * from './ids.ts';
export * from './validate.ts';
export * from './typedefs.ts';
export * from './entities.ts';
export * from './snapshot.ts';
export { Type } from '@sinclair/typebox';
export type { Static, TSchema } from '@sinclair/typebox';
