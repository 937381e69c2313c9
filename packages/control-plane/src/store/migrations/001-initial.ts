import type { Migration } from './index.ts';

// The first schema. JSON columns are TEXT on SQLite (read with json_extract/json_each) and JSONB on
// PostgreSQL. Unique constraints on PostgreSQL are named uq__<table>__<column> so that a violation maps
// back to the column that collided (postgres.ts); SQLite names the columns in its error message.
// Configurations and entities go with their control plane (ON DELETE CASCADE); hostnames do not,
// because a hostname row is kept forever so that the name is never handed out again.

export const initial: Migration = {
  version: 1,
  name: 'initial',
  sqlite: `
    CREATE TABLE control_planes (
      id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL, labels TEXT NOT NULL,
      cluster_type TEXT NOT NULL, auth_type TEXT NOT NULL, cloud_gateway INTEGER NOT NULL,
      proxy_urls TEXT NOT NULL, dns_prefix TEXT NOT NULL UNIQUE,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
    );
    CREATE INDEX control_planes_order ON control_planes (created_at, id);
    CREATE TABLE configurations (
      id TEXT PRIMARY KEY,
      control_plane_id TEXT NOT NULL REFERENCES control_planes (id) ON DELETE CASCADE,
      control_plane_geo TEXT NOT NULL, kind TEXT NOT NULL,
      dataplane_group_config TEXT NOT NULL, dataplane_groups TEXT NOT NULL, entity_version INTEGER NOT NULL,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      UNIQUE (control_plane_id, control_plane_geo)
    );
    CREATE TABLE hostnames (
      hostname TEXT PRIMARY KEY, control_plane_id TEXT NOT NULL,
      claimed_at INTEGER NOT NULL, released_at INTEGER
    );
    CREATE INDEX hostnames_control_plane ON hostnames (control_plane_id);
    -- AUTOINCREMENT: a deleted last row's seq is never reused, so an old cursor never skips a new row.
    CREATE TABLE entities (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      control_plane_id TEXT NOT NULL REFERENCES control_planes (id) ON DELETE CASCADE,
      type TEXT NOT NULL, id TEXT NOT NULL, name TEXT, body TEXT NOT NULL,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
      UNIQUE (control_plane_id, type, id)
    );
    CREATE UNIQUE INDEX entities_name ON entities (control_plane_id, type, name) WHERE name IS NOT NULL;
    CREATE INDEX entities_order ON entities (control_plane_id, type, seq);
    CREATE TABLE tokens (id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  postgres: `
    CREATE TABLE control_planes (
      id TEXT CONSTRAINT uq__control_planes__id PRIMARY KEY,
      name TEXT NOT NULL CONSTRAINT uq__control_planes__name UNIQUE,
      description TEXT NOT NULL, labels JSONB NOT NULL,
      cluster_type TEXT NOT NULL, auth_type TEXT NOT NULL, cloud_gateway BOOLEAN NOT NULL,
      proxy_urls JSONB NOT NULL,
      dns_prefix TEXT NOT NULL CONSTRAINT uq__control_planes__dns_prefix UNIQUE,
      created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
    );
    CREATE INDEX control_planes_order ON control_planes (created_at, id);
    CREATE TABLE configurations (
      id TEXT CONSTRAINT uq__configurations__id PRIMARY KEY,
      control_plane_id TEXT NOT NULL REFERENCES control_planes (id) ON DELETE CASCADE,
      control_plane_geo TEXT NOT NULL, kind TEXT NOT NULL,
      dataplane_group_config JSONB NOT NULL, dataplane_groups JSONB NOT NULL, entity_version BIGINT NOT NULL,
      created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      CONSTRAINT uq__configurations__control_plane_geo UNIQUE (control_plane_id, control_plane_geo)
    );
    CREATE TABLE hostnames (
      hostname TEXT CONSTRAINT uq__hostnames__hostname PRIMARY KEY, control_plane_id TEXT NOT NULL,
      claimed_at BIGINT NOT NULL, released_at BIGINT
    );
    CREATE INDEX hostnames_control_plane ON hostnames (control_plane_id);
    CREATE TABLE entities (
      seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      control_plane_id TEXT NOT NULL REFERENCES control_planes (id) ON DELETE CASCADE,
      type TEXT NOT NULL, id TEXT NOT NULL, name TEXT, body JSONB NOT NULL,
      created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL,
      CONSTRAINT uq__entities__id UNIQUE (control_plane_id, type, id)
    );
    CREATE UNIQUE INDEX uq__entities__name ON entities (control_plane_id, type, name) WHERE name IS NOT NULL;
    CREATE INDEX entities_order ON entities (control_plane_id, type, seq);
    CREATE TABLE tokens (
      id TEXT CONSTRAINT uq__tokens__id PRIMARY KEY, name TEXT NOT NULL,
      hash TEXT NOT NULL CONSTRAINT uq__tokens__hash UNIQUE, created_at BIGINT NOT NULL
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
};
