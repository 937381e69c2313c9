import type { EntitiesClient } from '@gatehouse/api-client';
import type { DesiredEntity } from './model.ts';
import type { Change } from './plan.ts';

// Carrying out a plan: creates and updates in dependency order (services, routes, plugins), then
// deletes in reverse (computePlan already orders them so). Updates are Kong's PUT, which replaces the
// entity whole with the file's version.

export interface ApplyResult { done: Change[]; failed?: { change: Change; error: Error } }

function bodyOf(entity: DesiredEntity, ids: Map<DesiredEntity, string>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...entity.fields };
  if (entity.type === 'routes') body.service = entity.service ? { id: ids.get(entity.service) } : null;
  if (entity.type === 'plugins') {
    body.service = entity.service ? { id: ids.get(entity.service) } : null;
    body.route = entity.route ? { id: ids.get(entity.route) } : null;
  }
  return body;
}

export async function executePlan(entities: EntitiesClient, changes: Change[], ids: Map<DesiredEntity, string>, onDone: (change: Change) => void = () => {}): Promise<ApplyResult> {
  const done: Change[] = [];
  for (const change of changes) {
    try {
      if (change.action === 'delete') await entities.delete(change.type, change.id!);
      else {
        const entity = change.desired!;
        const body = bodyOf(entity, ids);
        const id = change.action === 'update' ? change.id! : entity.id;
        const saved = id ? await entities.upsert(change.type, id, { ...body, id }) : await entities.create(change.type, body);
        ids.set(entity, saved.id);
      }
      done.push(change);
      onDone(change);
    } catch (error) {
      return { done, failed: { change, error: error as Error } };
    }
  }
  return { done };
}
