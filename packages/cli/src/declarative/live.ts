import type { EntitiesClient } from '@gatehouse/api-client';
import { ENTITY_ORDER, type EntityType } from './types.ts';

// The control plane's current entities, as decK sees them: filtered by select tags (AND, like the
// API's `tags=a,b`) and without the ones the platform manages itself.

export type LiveEntity = Record<string, any> & { id: string };
export type LiveState = Record<EntityType, LiveEntity[]>;

// reference/konnect-api.md §7.4: decK leaves these to the platform.
export const MANAGED_TAGS = ['konnect-managed', 'konnect-managed-plugin'];

export const isManaged = (e: LiveEntity): boolean => Array.isArray(e.tags) && e.tags.some((t: string) => MANAGED_TAGS.includes(t));

export async function fetchLive(entities: EntitiesClient, selectTags: string[]): Promise<LiveState> {
  const state = {} as LiveState;
  for (const type of ENTITY_ORDER) {
    const all = (await entities.all(type, { tags: selectTags })) as LiveEntity[];
    state[type] = all.filter((e) => !isManaged(e));
  }
  return state;
}
