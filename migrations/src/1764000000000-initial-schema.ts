import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        plan text NOT NULL DEFAULT 'free',
        retention_days int NOT NULL DEFAULT 30 CHECK (retention_days > 0),
        signing_secrets text[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        key_id text NOT NULL UNIQUE,
        secret_hash bytea NOT NULL,
        name text NOT NULL,
        scopes text[] NOT NULL,
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX api_keys_org_idx ON api_keys (org_id, id DESC)`);
    await q.query(`
      CREATE TABLE tasks (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('scheduled','queued','running','retrying','succeeded','failed','cancelled')),
        url text NOT NULL,
        method text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}',
        body text,
        timeout_ms int NOT NULL,
        run_at timestamptz NOT NULL,
        max_attempts int NOT NULL,
        attempt_count int NOT NULL DEFAULT 0,
        labels jsonb NOT NULL DEFAULT '{}',
        priority smallint NOT NULL DEFAULT 5,
        queue text,
        callback_url text,
        schedule_id uuid,
        fire_at timestamptz,
        trace_parent text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CONSTRAINT tasks_schedule_occurrence_uq UNIQUE (schedule_id, fire_at)
      )`);
    await q.query(`CREATE INDEX tasks_org_idx ON tasks (org_id, id DESC)`);
    await q.query(`CREATE INDEX tasks_org_status_idx ON tasks (org_id, status, id DESC)`);
    await q.query(`CREATE INDEX tasks_labels_idx ON tasks USING gin (labels jsonb_path_ops)`);
    await q.query(`
      CREATE TABLE attempts (
        id uuid PRIMARY KEY,
        task_id uuid NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        number int NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('delivered','retryable','permanent')),
        status_code int,
        duration_ms int NOT NULL,
        response_headers jsonb,
        response_body text,
        response_truncated boolean NOT NULL DEFAULT false,
        error text,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL,
        CONSTRAINT attempts_task_number_uq UNIQUE (task_id, number)
      )`);
    await q.query(`CREATE INDEX attempts_started_idx ON attempts (started_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE attempts');
    await q.query('DROP TABLE tasks');
    await q.query('DROP TABLE api_keys');
    await q.query('DROP TABLE organizations');
  }
}
