import type { Migration } from './index.ts';

// Retired configurations (issue 7): when a control plane is deleted its configurations go with it
// (ON DELETE CASCADE), but Konnect's clients keep polling the configuration id until its groups read
// `terminated`. The configuration is copied here first, whole (the wire row as JSON), with no foreign
// key; its groups move `terminating` -> `terminated` once no data plane serves the gateway, and the
// row is pruned a day after it was retired.

export const retiredConfigurations: Migration = {
  version: 4,
  name: 'retired-configurations',
  sqlite: `
    CREATE TABLE retired_configurations (
      id TEXT PRIMARY KEY, control_plane_id TEXT NOT NULL, body TEXT NOT NULL, retired_at INTEGER NOT NULL
    );
    CREATE INDEX retired_configurations_control_plane ON retired_configurations (control_plane_id);
    CREATE INDEX retired_configurations_retired_at ON retired_configurations (retired_at);
  `,
  postgres: `
    CREATE TABLE retired_configurations (
      id TEXT CONSTRAINT uq__retired_configurations__id PRIMARY KEY, control_plane_id TEXT NOT NULL,
      body JSONB NOT NULL, retired_at BIGINT NOT NULL
    );
    CREATE INDEX retired_configurations_control_plane ON retired_configurations (control_plane_id);
    CREATE INDEX retired_configurations_retired_at ON retired_configurations (retired_at);
  `,
};
