import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { generateSigningSecret, signingSecretAad, type KeyRing } from '@hourglass/crypto';
import { nextFireAfter, type ScheduleTiming, shortestIntervalMs, TaskLimits, TaskStatus } from '@hourglass/domain';
import {
  Channel,
  deliveryJobFields,
  deliveryLeaseSeconds,
  newId,
  notify,
  OrganizationRepository,
  Queue,
  sendJob,
  TaskRepository,
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

/** Real rows, written the way the services write them. */
export const make = {
  async org(db: DataSource, keys: KeyRing, name = 'test org'): Promise<MadeOrg> {
    const id = newId();
    const signingSecret = generateSigningSecret();
    const org = await new OrganizationRepository(db).insert({
      id,
      name,
      plan: 'free',
      retentionDays: 30,
      signingSecrets: [keys.seal(signingSecret, signingSecretAad(id))],
    });
    return { org, signingSecret };
  },

  /** A task due now (or at `runAt`) with its delivery job, in one transaction, as the API creates it. */
  async task(
    db: DataSource,
    boss: PgBoss,
    fields: Partial<NewTask> & { orgId: string; url: string },
    jobPriority = 0,
  ): Promise<TaskEntity> {
    return db.transaction(async (em) => {
      const runAt = fields.runAt ?? new Date();
      const task = await new TaskRepository(db).insert(
        {
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
        },
        em,
      );
      const { data, priority } = deliveryJobFields(task.id, task.orgId, jobPriority);
      await sendJob(
        boss,
        Queue.Deliver,
        data,
        {
          id: newId(),
          priority,
          startAfter: runAt,
          group: { id: task.orgId },
          expireInSeconds: deliveryLeaseSeconds(task.timeoutMs),
        },
        em,
      );
      await notify(em, Channel.TasksReady, task.id);
      return task;
    });
  },

  /** A schedule row written directly (SQL), without the API; the caller NOTIFYs if a running scheduler should notice. */
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
