import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound webhooks (docs/decisions/0020): endpoints that receive at `/in/<slug>`, the raw requests
 * they stored (events), the dedup claims that collapse a provider's retries, and which task each
 * forward of an event became. Secrets, forward URLs and the requests themselves are sealed bytea
 * (docs/decisions/0014). Forward tasks are audited as created by their endpoint (actor `endpoint`).
 */
export class InboundWebhooks1765400000000 implements MigrationInterface {
  name = 'InboundWebhooks1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_endpoints (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        slug text NOT NULL,
        verify bytea NOT NULL,
        forwards bytea NOT NULL,
        dedup_key text,
        dedup_window_ms bigint NOT NULL,
        ordered boolean NOT NULL DEFAULT false,
        body_limit int NOT NULL,
        response jsonb,
        paused boolean NOT NULL DEFAULT false,
        paused_mode text NOT NULL DEFAULT 'store' CHECK (paused_mode IN ('store', 'refuse')),
        rate_count int CHECK (rate_count BETWEEN 1 AND 1000),
        rate_per_seconds int CHECK (rate_per_seconds IN (1, 60)),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT inbound_endpoints_slug_uq UNIQUE (slug)
      )`);
    await q.query(`CREATE INDEX inbound_endpoints_org_idx ON inbound_endpoints (org_id, id)`);
    await q.query(`
      CREATE TABLE inbound_events (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        endpoint_id uuid NOT NULL REFERENCES inbound_endpoints(id) ON DELETE CASCADE,
        received_at timestamptz NOT NULL DEFAULT now(),
        method text NOT NULL,
        path text NOT NULL,
        query bytea NOT NULL,
        headers bytea NOT NULL,
        body bytea,
        verified boolean NOT NULL,
        rejection text,
        status text NOT NULL,
        dedup_key text,
        duplicate_of uuid
      )`);
    await q.query(`CREATE INDEX inbound_events_endpoint_idx ON inbound_events (endpoint_id, id DESC)`);
    await q.query(`CREATE INDEX inbound_events_org_idx ON inbound_events (org_id, id)`);
    // The dedup claim: the primary key is what collapses concurrent duplicates (never check-then-insert).
    await q.query(`
      CREATE TABLE inbound_dedup_keys (
        endpoint_id uuid NOT NULL REFERENCES inbound_endpoints(id) ON DELETE CASCADE,
        key text NOT NULL,
        event_id uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (endpoint_id, key)
      )`);
    await q.query(`
      CREATE TABLE inbound_event_forwards (
        event_id uuid NOT NULL REFERENCES inbound_events(id) ON DELETE CASCADE,
        forward_id uuid NOT NULL,
        task_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (event_id, task_id)
      )`);
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_type_check`);
    await q.query(`ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_type_check
      CHECK (actor_type IN ('api_key', 'admin', 'endpoint'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM audit_log WHERE actor_type = 'endpoint'`);
    await q.query(`ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_type_check`);
    await q.query(`ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_type_check
      CHECK (actor_type IN ('api_key', 'admin'))`);
    await q.query('DROP TABLE inbound_event_forwards, inbound_dedup_keys, inbound_events, inbound_endpoints');
  }
}
