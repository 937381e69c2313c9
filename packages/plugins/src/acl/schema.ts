import { Type, type FieldError, type Static } from '@gatehouse/schema';

// Kong's acl config (kong/plugins/acl/schema.lua; Konnect's JSON schema in
// specs/kong-plugins/3.15/ACL.json): exactly one of `allow` and `deny`.

export const aclConfigSchema = Type.Object(
  {
    allow: Type.Optional(Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()], { description: 'Groups allowed to consume the route or service.' })),
    deny: Type.Optional(Type.Union([Type.Array(Type.String({ minLength: 1 })), Type.Null()], { description: 'Groups not allowed to consume the route or service.' })),
    hide_groups_header: Type.Boolean({ default: false, description: 'Do not send X-Consumer-Groups upstream.' }),
    always_use_authenticated_groups: Type.Boolean({ default: false }),
    include_consumer_groups: Type.Boolean({ default: false, description: 'Match consumer-group names as well as acl groups.' }),
  },
  { additionalProperties: false, default: {} },
);
export type AclConfig = Static<typeof aclConfigSchema>;

/** Kong's entity check `only_one_of = { "config.allow", "config.deny" }`. */
export function refineAcl(config: AclConfig): FieldError[] {
  const hasAllow = config.allow !== undefined && config.allow !== null;
  const hasDeny = config.deny !== undefined && config.deny !== null;
  if (hasAllow && hasDeny) return [{ field: 'allow', rule: 'only_one_of', reason: "only one of these fields must be non-empty: 'config.allow', 'config.deny'" }];
  if (!hasAllow && !hasDeny) return [{ field: 'allow', rule: 'at_least_one_of', reason: "at least one of these fields must be non-empty: 'config.allow', 'config.deny'" }];
  return [];
}
