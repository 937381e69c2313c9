import type { EntitiesClient, ParentRef } from '@gatehouse/api-client';
import type { DesiredEntity } from './model.ts';
import type { Change } from './plan.ts';
import { PARENT_PATH, TYPES, isCredential } from './types.ts';

// Carrying out a plan: creates and updates in dependency order (services, routes, consumers,
// plugins, credentials), then deletes in reverse (computePlan already orders them so). Updates are
// Kong's PUT, which replaces the entity whole with the file's version.

export interface ApplyResult { done: Change[]; failed?: { change: Change; error: Error } }

function bodyOf(entity: DesiredEntity, ids: Map<DesiredEntity, string>): Record<string, unknown> {
  const body: Record<string, unknown> = { ...entity.fields };
  for (const f of TYPES[entity.type].refs) {
    const ref = entity.refs[f];
    if (isCredential(entity.type)) continue;
    body[f] = ref ? { id: ids.get(ref) } : null;
  }
  return body;
}

// A membership has no fields: it is added or removed, never updated.
async function changeMembership(entities: EntitiesClient, change: Change, ids: Map<DesiredEntity, string>): Promise<void> {
  if (change.action === 'delete') return entities.removeMember(change.live!.consumer_group.id, change.live!.consumer.id);
  const { consumer, consumer_group: group } = change.desired!.refs;
  await entities.addMember(ids.get(group!)!, ids.get(consumer!)!);
}

export async function executePlan(entities: EntitiesClient, changes: Change[], ids: Map<DesiredEntity, string>, onDone: (change: Change) => void = () => {}): Promise<ApplyResult> {
  const done: Change[] = [];
  for (const change of changes) {
    try {
      if (change.type === 'consumer_group_members') {
        await changeMembership(entities, change, ids);
        done.push(change);
        onDone(change);
        continue;
      }
      // Credentials are written under their consumer's path, targets under their upstream's.
      const under = PARENT_PATH[change.type];
      const parentId = under ? (change.desired ? ids.get(change.desired.refs[under.field]!) : change.live?.[under.field]?.id) : undefined;
      const parent: ParentRef | undefined = under && parentId ? { type: under.type, idOrName: parentId } : undefined;
      if (change.action === 'delete') await entities.delete(change.type, change.id!, parent);
      else {
        const entity = change.desired!;
        const body = bodyOf(entity, ids);
        const id = change.action === 'update' ? change.id! : entity.id;
        let saved;
        // A dumped basic-auth credential has no password (it is stored hashed): change the rest only.
        if (change.action === 'update' && entity.type === 'basicauth_credentials' && body.password === undefined) saved = await entities.patch(change.type, id!, body, parent);
        else saved = id ? await entities.upsert(change.type, id, { ...body, id }, parent) : await entities.create(change.type, body, parent);
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
