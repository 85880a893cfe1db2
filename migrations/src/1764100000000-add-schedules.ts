import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSchedules1764100000000 implements MigrationInterface {
  name = 'AddSchedules1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schedules (
        id uuid PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        name text NOT NULL,
        cron text,
        interval_ms bigint CHECK (interval_ms > 0),
        timezone text NOT NULL DEFAULT 'UTC',
        url text NOT NULL,
        method text NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}',
        body text,
        timeout_ms int NOT NULL,
        max_attempts int NOT NULL,
        labels jsonb NOT NULL DEFAULT '{}',
        priority smallint NOT NULL DEFAULT 5,
        missed_runs text NOT NULL DEFAULT 'skip' CHECK (missed_runs IN ('skip','runOnce','runAll')),
        overlap text NOT NULL DEFAULT 'allow' CHECK (overlap IN ('allow','skip','queue')),
        enabled boolean NOT NULL DEFAULT true,
        next_run_at timestamptz,
        shortest_interval_ms bigint NOT NULL,
        last_fire_at timestamptz,
        version int NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT schedules_timing_ck CHECK ((cron IS NULL) <> (interval_ms IS NULL)),
        CONSTRAINT schedules_org_name_uq UNIQUE (org_id, name)
      )`);
    await q.query(`CREATE INDEX schedules_org_idx ON schedules (org_id, id DESC)`);
    // The scheduler's claim: due, enabled schedules in fire-time order.
    await q.query(
      `CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled AND next_run_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE schedule_versions (
        id uuid PRIMARY KEY,
        schedule_id uuid NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
        org_id uuid NOT NULL,
        version int NOT NULL,
        change text NOT NULL,
        snapshot jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT schedule_versions_uq UNIQUE (schedule_id, version)
      )`);
    await q.query(`
      CREATE TABLE schedule_occurrences (
        id uuid PRIMARY KEY,
        schedule_id uuid NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
        org_id uuid NOT NULL,
        fire_at timestamptz NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('fired','skipped')),
        reason text,
        task_id uuid,
        skipped_count int NOT NULL DEFAULT 1,
        lateness_ms int,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT schedule_occurrences_uq UNIQUE (schedule_id, fire_at)
      )`);
    await q.query(`
      CREATE TABLE org_usage (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        month date NOT NULL,
        tasks_created bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (org_id, month)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE org_usage');
    await q.query('DROP TABLE schedule_occurrences');
    await q.query('DROP TABLE schedule_versions');
    await q.query('DROP TABLE schedules');
  }
}
