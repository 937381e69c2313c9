import type { Migration } from './index.ts';

// Custom domains (issue 8). `domain` is unique across the platform: a domain belongs to one gateway
// at a time (the second claim gets a conflict). `next_attempt_at` drives the background worker: the
// next validation, retry or renewal is due then (null: nothing to do). Rows go with their control
// plane; the certificate and SNI they created are core entities and go with it too.

export const customDomains: Migration = {
  version: 2,
  name: 'custom-domains',
  sqlite: `
    CREATE TABLE custom_domains (
      id TEXT PRIMARY KEY,
      control_plane_id TEXT NOT NULL REFERENCES control_planes (id) ON DELETE CASCADE,
      control_plane_geo TEXT NOT NULL, domain TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
      cname_target TEXT NOT NULL, state TEXT NOT NULL, state_metadata TEXT NOT NULL,
      certificate_id TEXT, sni_id TEXT, not_after INTEGER, attempts INTEGER NOT NULL,
      next_attempt_at INTEGER, entity_version INTEGER NOT NULL,
      created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
    );
    CREATE INDEX custom_domains_control_plane ON custom_domains (control_plane_id);
    CREATE INDEX custom_domains_due ON custom_domains (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  `,
  postgres: `
    CREATE TABLE custom_domains (
      id TEXT CONSTRAINT uq__custom_domains__id PRIMARY KEY,
      control_plane_id TEXT NOT NULL REFERENCES control_planes (id) ON DELETE CASCADE,
      control_plane_geo TEXT NOT NULL,
      domain TEXT NOT NULL CONSTRAINT uq__custom_domains__domain UNIQUE,
      kind TEXT NOT NULL, cname_target TEXT NOT NULL, state TEXT NOT NULL, state_metadata JSONB NOT NULL,
      certificate_id TEXT, sni_id TEXT, not_after BIGINT, attempts INTEGER NOT NULL,
      next_attempt_at BIGINT, entity_version BIGINT NOT NULL,
      created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL
    );
    CREATE INDEX custom_domains_control_plane ON custom_domains (control_plane_id);
    CREATE INDEX custom_domains_due ON custom_domains (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
  `,
};
