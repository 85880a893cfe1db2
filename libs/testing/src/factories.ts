import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { generateSigningSecret, signingSecretAad } from '@hourglass/crypto';
import {
  DEFAULT_PLANS,
  nextFireAfter,
  planFor,
  type ScheduleTiming,
  shortestIntervalMs,
  TaskLimits,
  TaskStatus,
} from '@hourglass/domain';
import {
  cipherOf,
  JobPriority,
  newId,
  OrganizationRepository,
  tasksPerMonthOf,
  writeTasks,
  type NewTask,
  type OrganizationEntity,
  ScheduleEntity,
  type TaskEntity,
} from '@hourglass/db';

/** A schedule row as the API writes it; `nextRunAt` defaults to the next fire time from now. */
export type ScheduleFields = Partial<Omit<ScheduleEntity, 'createdAt' | 'updatedAt'>> & {
  orgId: string;
  url: string;
} & ({ cron: string } | { intervalMs: number });

export interface MadeOrg {
  org: OrganizationEntity;
  signingSecret: string;
}

/** The monthly quota the factories write under: the default plans'. */
export const TEST_TASKS_PER_MONTH = tasksPerMonthOf(DEFAULT_PLANS);

/** A task for the task writer, with the defaults the API gives an empty create body. */
export function newTaskWrite(
  fields: Partial<NewTask> & { orgId: string; url: string },
  jobPriority?: number,
): { task: NewTask; jobPriority: number } {
  const runAt = fields.runAt ?? new Date();
  const task: NewTask = {
    id: newId(),
    status: runAt > new Date() ? TaskStatus.Scheduled : TaskStatus.Queued,
    method: 'POST',
    headers: {},
    body: null,
    timeoutMs: TaskLimits.defaultTimeoutMs,
    runAt,
    maxAttempts: TaskLimits.defaultMaxAttempts,
    labels: {},
    priority: TaskLimits.defaultPriority,
    queue: null,
    callbackUrl: null,
    scheduleId: null,
    fireAt: null,
    traceParent: null,
    ...fields,
  };
  return { task, jobPriority: jobPriority ?? JobPriority.of(planFor(DEFAULT_PLANS, 'free').tier, null, task.priority) };
}

/** Real rows, written the way the services write them. */
export const make = {
  /** Its signing secret sealed by `db`'s master ring (the services' in tests: testMasterKeys()). */
  async org(db: DataSource, name = 'test org'): Promise<MadeOrg> {
    const id = newId();
    const signingSecret = generateSigningSecret();
    const org = await new OrganizationRepository(db).insert({
      id,
      name,
      plan: 'free',
      retentionDays: 30,
      signingSecrets: [cipherOf(db).keys.ring.seal(signingSecret, signingSecretAad(id))],
    });
    return { org, signingSecret };
  },

  /**
   * A task due now (or at `runAt`) with its delivery job, written by the task writer exactly as the
   * API writes it (job id recorded in job_id, the API's job options, quota counted, NOTIFY). The
   * job priority defaults to the API's for a one-off task of a `free` org.
   */
  async task(
    db: DataSource,
    boss: PgBoss,
    fields: Partial<NewTask> & { orgId: string; url: string },
    jobPriority?: number,
  ): Promise<TaskEntity> {
    const [task] = await writeTasks(db.manager, boss, [newTaskWrite(fields, jobPriority)], {
      quota: { enforce: TEST_TASKS_PER_MONTH },
    });
    return task!;
  },

  /**
   * A schedule row written directly (SQL), without the API; the caller NOTIFYs if a running scheduler should notice.
   */
  async schedule(db: DataSource, fields: ScheduleFields): Promise<ScheduleEntity> {
    const cron = fields.cron ?? null;
    const intervalMs = fields.intervalMs ?? null;
    const timezone = fields.timezone ?? 'UTC';
    const anchor = new Date(Math.ceil(Date.now() / 1_000) * 1_000);
    const timing: ScheduleTiming = cron !== null ? { cron, timezone } : { intervalMs: intervalMs!, anchor };
    const row = {
      id: newId(),
      name: `schedule ${newId()}`,
      cron,
      intervalMs,
      timezone,
      method: 'POST',
      headers: {},
      body: null,
      timeoutMs: TaskLimits.defaultTimeoutMs,
      maxAttempts: TaskLimits.defaultMaxAttempts,
      labels: {},
      priority: TaskLimits.defaultPriority,
      missedRuns: 'skip',
      overlap: 'allow',
      enabled: true,
      shortestIntervalMs: shortestIntervalMs(timing, new Date()),
      lastFireAt: null,
      version: 1,
      ...fields,
    };
    const [created] = await db.query(
      `INSERT INTO schedules (id, org_id, name, cron, interval_ms, timezone, url, method, headers, body, timeout_ms, max_attempts,
                              labels, priority, missed_runs, overlap, enabled, next_run_at, shortest_interval_ms, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
               $18, $19, $20)
       RETURNING id`,
      [
        row.id,
        row.orgId,
        row.name,
        row.cron,
        row.intervalMs,
        row.timezone,
        row.url,
        row.method,
        JSON.stringify(row.headers),
        row.body,
        row.timeoutMs,
        row.maxAttempts,
        JSON.stringify(row.labels),
        row.priority,
        row.missedRuns,
        row.overlap,
        row.enabled,
        row.nextRunAt === undefined ? nextFireAfter(timing, anchor) : row.nextRunAt,
        row.shortestIntervalMs,
        row.version,
      ],
    );
    return db.manager.findOneByOrFail(ScheduleEntity, { id: (created as { id: string }).id });
  },
};
