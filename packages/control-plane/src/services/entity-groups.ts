import { newId, nowSeconds } from '@gatehouse/schema';
import { KongError } from '../api/errors.ts';
import type { EntityRow, StoreTx } from '../store/types.ts';
import { asObject, toWire, type EntityService } from './entities.ts';

// Consumer-group membership as Kong Enterprise's Admin API has it (konnect-api.md §4.1): a group read
// by id or name answers its members, and members are added and removed from either side. Memberships
// are `consumer_group_consumers` rows, named `<group id>/<consumer id>` so that each pair is unique.

type Body = Record<string, any>;
const MEMBERS = 'consumer_group_consumers';
const refId = (value: unknown): string | undefined => (value as { id?: string } | null)?.id;

/** `"x"` or `["x", "y"]`: the ids or names a membership POST names, or a validation error. */
function keysOf(body: Body, field: 'consumer' | 'group'): string[] {
  const value = body[field];
  const keys = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (!keys || keys.length === 0 || !keys.every((k) => typeof k === 'string' && k !== '')) {
    throw KongError.validation([{ field, rule: 'required', reason: `${field} must be an id or name, or a list of them` }]);
  }
  return keys;
}

/**
 * Membership operations over the entity service's transactions and lookups.
 * @example
 * const groups = createConsumerGroupService(entities);
 * await groups.addConsumers(cpId, 'gold', { consumer: ['alice', 'bob'] });
 */
export function createConsumerGroupService(entities: EntityService) {
  async function mustFind(tx: StoreTx, cp: string, type: 'consumers' | 'consumer_groups', key: string): Promise<EntityRow> {
    const row = await entities.find(tx, cp, type, key);
    if (!row) throw KongError.notFound(type === 'consumers' ? `consumer '${key}' not found` : `consumer group '${key}' not found`);
    return row;
  }

  async function memberships(tx: StoreTx, cp: string, field: 'consumer' | 'consumer_group', id: string): Promise<EntityRow[]> {
    return (await tx.entities.all(cp, MEMBERS)).filter((r) => refId(r.body[field]) === id);
  }

  async function consumersOf(tx: StoreTx, cp: string, groupId: string): Promise<Body[]> {
    const ids = (await memberships(tx, cp, 'consumer_group', groupId)).map((m) => refId(m.body.consumer)!);
    const rows = await Promise.all(ids.map((id) => tx.entities.get(cp, 'consumers', id)));
    return entities.present(tx, cp, 'consumers', rows.filter((r) => r !== undefined).map((r) => r.body));
  }

  async function groupsOf(tx: StoreTx, cp: string, consumerId: string): Promise<Body[]> {
    const ids = (await memberships(tx, cp, 'consumer', consumerId)).map((m) => refId(m.body.consumer_group)!);
    const rows = await Promise.all(ids.map((id) => tx.entities.get(cp, 'consumer_groups', id)));
    return entities.present(tx, cp, 'consumer_groups', rows.filter((r) => r !== undefined).map((r) => r.body));
  }

  async function join(tx: StoreTx, cp: string, group: EntityRow, consumer: EntityRow): Promise<void> {
    const now = nowSeconds();
    const body = toWire(MEMBERS, { id: newId(), created_at: now, consumer_group: { id: group.id }, consumer: { id: consumer.id } }, now);
    if (await tx.entities.getByName(cp, MEMBERS, `${group.id}/${consumer.id}`)) {
      throw KongError.conflict('consumer', `consumer '${consumer.id}' is already in consumer group '${group.id}'`);
    }
    await entities.save(tx, cp, MEMBERS, body, false);
  }

  async function leave(tx: StoreTx, cp: string, rows: EntityRow[]): Promise<boolean> {
    for (const row of rows) await tx.entities.delete(cp, MEMBERS, row.id);
    return rows.length > 0;
  }

  return {
    /** GET /consumer_groups/{idOrName}: `{consumer_group, consumers}`; `consumers` left out when `listConsumers` is false. */
    async get(cp: string, key: string, listConsumers: boolean): Promise<Body> {
      return entities.read(cp, async (tx) => {
        const group = await entities.find(tx, cp, 'consumer_groups', key);
        if (!group) throw KongError.notFound('Not found');
        const [consumerGroup] = await entities.present(tx, cp, 'consumer_groups', [group.body]);
        return listConsumers ? { consumer_group: consumerGroup, consumers: await consumersOf(tx, cp, group.id) } : { consumer_group: consumerGroup };
      });
    },
    async listConsumers(cp: string, groupKey: string): Promise<Body[]> {
      return entities.read(cp, async (tx) => consumersOf(tx, cp, (await mustFind(tx, cp, 'consumer_groups', groupKey)).id));
    },
    async listGroups(cp: string, consumerKey: string): Promise<Body[]> {
      return entities.read(cp, async (tx) => groupsOf(tx, cp, (await mustFind(tx, cp, 'consumers', consumerKey)).id));
    },
    /** POST /consumer_groups/{group}/consumers `{consumer: idOrName | [..]}` -> `{consumer_group, consumers}` (those added). */
    async addConsumers(cp: string, groupKey: string, rawBody: unknown): Promise<Body> {
      const keys = keysOf(asObject(rawBody), 'consumer');
      return entities.write(cp, async (tx) => {
        const group = await mustFind(tx, cp, 'consumer_groups', groupKey);
        const added: EntityRow[] = [];
        for (const key of keys) {
          const consumer = await mustFind(tx, cp, 'consumers', key);
          await join(tx, cp, group, consumer);
          added.push(consumer);
        }
        const [consumerGroup] = await entities.present(tx, cp, 'consumer_groups', [group.body]);
        return { result: { consumer_group: consumerGroup, consumers: await entities.present(tx, cp, 'consumers', added.map((r) => r.body)) }, changed: true };
      });
    },
    /** POST /consumers/{consumer}/consumer_groups `{group: idOrName | [..]}` -> `{consumer, consumer_groups}` (those joined). */
    async addGroups(cp: string, consumerKey: string, rawBody: unknown): Promise<Body> {
      const keys = keysOf(asObject(rawBody), 'group');
      return entities.write(cp, async (tx) => {
        const consumer = await mustFind(tx, cp, 'consumers', consumerKey);
        const joined: EntityRow[] = [];
        for (const key of keys) {
          const group = await mustFind(tx, cp, 'consumer_groups', key);
          await join(tx, cp, group, consumer);
          joined.push(group);
        }
        const [consumerBody] = await entities.present(tx, cp, 'consumers', [consumer.body]);
        return { result: { consumer: consumerBody, consumer_groups: await entities.present(tx, cp, 'consumer_groups', joined.map((r) => r.body)) }, changed: true };
      });
    },
    /** Removes one member (`consumerKey`) or every member of a group; idempotent for non-members. */
    async removeConsumers(cp: string, groupKey: string, consumerKey: string | null): Promise<void> {
      return entities.write(cp, async (tx) => {
        const group = await mustFind(tx, cp, 'consumer_groups', groupKey);
        let rows = await memberships(tx, cp, 'consumer_group', group.id);
        if (consumerKey !== null) {
          const consumer = await mustFind(tx, cp, 'consumers', consumerKey);
          rows = rows.filter((r) => refId(r.body.consumer) === consumer.id);
        }
        return { result: undefined, changed: await leave(tx, cp, rows) };
      });
    },
    /** Takes a consumer out of one group (`groupKey`) or of all its groups. */
    async removeGroups(cp: string, consumerKey: string, groupKey: string | null): Promise<void> {
      return entities.write(cp, async (tx) => {
        const consumer = await mustFind(tx, cp, 'consumers', consumerKey);
        let rows = await memberships(tx, cp, 'consumer', consumer.id);
        if (groupKey !== null) {
          const group = await mustFind(tx, cp, 'consumer_groups', groupKey);
          rows = rows.filter((r) => refId(r.body.consumer_group) === group.id);
        }
        return { result: undefined, changed: await leave(tx, cp, rows) };
      });
    },
  };
}
