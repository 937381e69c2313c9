import type { EntitiesClient } from '@gatehouse/api-client';
import { FILE_TYPES, TYPES, type EntityType } from './types.ts';

// The control plane's current entities, as decK sees them: filtered by select tags (AND, like the
// API's `tags=a,b`) and without the ones the platform manages itself.

export type LiveEntity = Record<string, any> & { id: string };
export type LiveState = Record<EntityType, LiveEntity[]>;

// reference/konnect-api.md §7.4: decK leaves these to the platform.
export const MANAGED_TAGS = ['konnect-managed', 'konnect-managed-plugin'];

export const isManaged = (e: LiveEntity): boolean => Array.isArray(e.tags) && e.tags.some((t: string) => MANAGED_TAGS.includes(t));

export async function fetchLive(entities: EntitiesClient, selectTags: string[]): Promise<LiveState> {
  const state = {} as LiveState;
  // What hangs off a managed entity is the platform's too (a custom domain's SNIs, by its certificate).
  const managed = new Set<string>();
  for (const type of FILE_TYPES) {
    const all = (await entities.all(type, { tags: selectTags })) as LiveEntity[];
    state[type] = all.filter((e) => {
      const isPlatforms = isManaged(e) || TYPES[type].refs.some((f) => managed.has(e[f]?.id));
      if (isPlatforms) managed.add(e.id);
      return !isPlatforms;
    });
  }
  // Memberships of the groups in view, of the consumers in view (decK skips untagged consumers too).
  const consumers = new Set(state.consumers.map((c) => c.id));
  state.consumer_group_members = [];
  for (const group of state.consumer_groups) {
    for (const consumer of await entities.members(group.id)) {
      if (consumers.has(consumer.id)) state.consumer_group_members.push({ id: `${group.id}/${consumer.id}`, consumer: { id: consumer.id }, consumer_group: { id: group.id } });
    }
  }
  return state;
}
