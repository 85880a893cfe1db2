import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Monitors (heartbeat and HTTP), their pings, checks and incidents, public status pages, and the
 * notification pipeline: `notification_events` is what happened (written in the same transaction as
 * the state change that raised it), `notification_channels` where the org wants to hear of it, and
 * `notifications` the outbox row per channel, delivered as a task through the one task writer.
 * Ping tokens are stored as a SHA-256 for lookup and sealed for display; HTTP check requests, ping
 * bodies, channel URLs/addresses and event payloads are sealed bytea (docs/decisions/0014).
 */
export class MonitorsAndNotifications1765600000000 implements MigrationInterface {
  name = 'MonitorsAndNotifications1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE monitors (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('heartbeat', 'http')),
        status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'up', 'late', 'down', 'paused')),
        every_ms bigint,
        cron text,
        timezone text,
        grace_ms bigint NOT NULL DEFAULT 0,
        max_runtime_ms bigint,
        min_runtime_ms bigint,
        fail_after int NOT NULL DEFAULT 1,
        confirm_after int NOT NULL DEFAULT 1,
        request bytea,
        expect jsonb,
        notify jsonb,
        labels jsonb NOT NULL DEFAULT '{}',
        ping_token_hash bytea,
        ping_token bytea,
        badge_token text NOT NULL,
        consecutive_failures int NOT NULL DEFAULT 0,
        last_ping_at timestamptz,
        last_started_at timestamptz,
        last_run_id text,
        next_deadline_at timestamptz,
        deadline_kind text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version int NOT NULL DEFAULT 1,
        CONSTRAINT monitors_ping_token_uq UNIQUE (ping_token_hash),
        CONSTRAINT monitors_badge_token_uq UNIQUE (badge_token)
      )`);
    await q.query(`CREATE INDEX monitors_org_idx ON monitors (org_id, id)`);
    // The scheduler's leader reads due deadlines from here, never by scanning every monitor.
    await q.query(
      `CREATE INDEX monitors_deadline_idx ON monitors (next_deadline_at) WHERE next_deadline_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE monitor_pings (
        id uuid PRIMARY KEY,
        monitor_id uuid NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
        org_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('start', 'success', 'fail', 'log')),
        exit_code int,
        run_id text,
        duration_ms bigint,
        body bytea,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX monitor_pings_monitor_idx ON monitor_pings (monitor_id, received_at DESC, id DESC)`);
    await q.query(`CREATE INDEX monitor_pings_org_idx ON monitor_pings (org_id, received_at)`);
    await q.query(`
      CREATE TABLE monitor_checks (
        id uuid PRIMARY KEY,
        monitor_id uuid NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
        org_id uuid NOT NULL,
        status_code int,
        duration_ms int,
        ok boolean NOT NULL,
        error text,
        checked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX monitor_checks_monitor_idx ON monitor_checks (monitor_id, checked_at DESC, id DESC)`);
    await q.query(`CREATE INDEX monitor_checks_org_idx ON monitor_checks (org_id, checked_at)`);
    await q.query(`
      CREATE TABLE monitor_incidents (
        id uuid PRIMARY KEY,
        monitor_id uuid NOT NULL REFERENCES monitors(id) ON DELETE CASCADE,
        org_id uuid NOT NULL,
        started_at timestamptz NOT NULL,
        resolved_at timestamptz,
        cause text NOT NULL
      )`);
    // One open incident per monitor: a second evaluator (a failed-over leader) cannot open another.
    await q.query(
      `CREATE UNIQUE INDEX monitor_incidents_open_uq ON monitor_incidents (monitor_id) WHERE resolved_at IS NULL`,
    );
    await q.query(`CREATE INDEX monitor_incidents_monitor_idx ON monitor_incidents (monitor_id, started_at DESC)`);
    await q.query(`
      CREATE TABLE status_pages (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        slug text NOT NULL,
        title text NOT NULL,
        monitor_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT status_pages_slug_uq UNIQUE (slug)
      )`);
    await q.query(`CREATE INDEX status_pages_org_idx ON status_pages (org_id, id)`);
    await q.query(`
      CREATE TABLE notification_channels (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        type text NOT NULL CHECK (type IN ('webhook', 'slack', 'discord', 'email')),
        target bytea NOT NULL,
        events text[] NOT NULL,
        is_default boolean NOT NULL DEFAULT false,
        disabled_at timestamptz,
        disabled_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX notification_channels_org_idx ON notification_channels (org_id, id)`);
    await q.query(`
      CREATE TABLE notification_events (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        event text NOT NULL,
        subject_type text NOT NULL,
        subject_id uuid,
        notify jsonb,
        payload bytea NOT NULL,
        dedup_key text,
        created_at timestamptz NOT NULL DEFAULT now(),
        dispatched_at timestamptz
      )`);
    await q.query(
      `CREATE INDEX notification_events_pending_idx ON notification_events (created_at) WHERE dispatched_at IS NULL`,
    );
    // Raising the same event twice (two evaluators, a usage threshold per period) is a no-op.
    await q.query(
      `CREATE UNIQUE INDEX notification_events_dedup_uq ON notification_events (org_id, dedup_key) WHERE dedup_key IS NOT NULL`,
    );
    await q.query(`CREATE INDEX notification_events_org_idx ON notification_events (org_id, created_at)`);
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        channel_id uuid NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE,
        event text NOT NULL,
        event_ids uuid[] NOT NULL,
        task_id uuid,
        status text NOT NULL DEFAULT 'pending',
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX notifications_org_idx ON notifications (org_id, id)`);
    await q.query(`CREATE INDEX notifications_channel_idx ON notifications (channel_id, created_at DESC)`);
    await q.query(`CREATE INDEX notifications_task_idx ON notifications (task_id) WHERE task_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP TABLE notifications, notification_events, notification_channels, status_pages, monitor_incidents, monitor_checks, monitor_pings, monitors',
    );
  }
}
