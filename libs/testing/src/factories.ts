import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { generateSigningSecret, signingSecretAad, type KeyRing } from '@hourglass/crypto';
import { TaskLimits, TaskStatus } from '@hourglass/domain';
import {
  Channel, deliveryLeaseSeconds, newId, notify, OrganizationRepository, Queue, sendJob, TaskRepository,
  type NewTask, type OrganizationEntity, type TaskEntity,
} from '@hourglass/db';

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
      id, name, plan: 'free', retentionDays: 30, signingSecrets: [keys.seal(signingSecret, signingSecretAad(id))],
    });
    return { org, signingSecret };
  },

  /** A task due now (or at `runAt`) with its delivery job, in one transaction, as the API creates it. */
  async task(db: DataSource, boss: PgBoss, fields: Partial<NewTask> & { orgId: string; url: string }): Promise<TaskEntity> {
    return db.transaction(async (em) => {
      const runAt = fields.runAt ?? new Date();
      const task = await new TaskRepository(db).insert(
        {
          id: newId(), status: runAt > new Date() ? TaskStatus.Scheduled : TaskStatus.Queued, method: 'POST', headers: {},
          body: null, timeoutMs: TaskLimits.defaultTimeoutMs, runAt, maxAttempts: TaskLimits.defaultMaxAttempts,
          labels: {}, priority: TaskLimits.defaultPriority, queue: null, callbackUrl: null, scheduleId: null, fireAt: null,
          traceParent: null, ...fields,
        },
        em,
      );
      await sendJob(boss, Queue.Deliver, { taskId: task.id, orgId: task.orgId },
        { id: newId(), startAfter: runAt, group: { id: task.orgId }, expireInSeconds: deliveryLeaseSeconds(task.timeoutMs) }, em);
      await notify(em, Channel.TasksReady, task.id);
      return task;
    });
  },
};
