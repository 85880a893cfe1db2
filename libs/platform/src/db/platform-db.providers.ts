import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  ApiKeyRepository,
  ASYNC_COMMIT,
  AttemptRepository,
  createBoss,
  createDataSource,
  EXPECTED_MIGRATION,
  OrganizationRepository,
  IdempotencyRepository,
  ScheduleRepository,
  ScheduleTickRepository,
  SigningSecretRepository,
  TaskRepository,
  UsageRepository,
  QueueRepository,
  QueueAdmissionRepository,
  RetentionRepository,
  DataKeyRepository,
  AuditTrail,
  InboundEndpointRepository,
  InboundEventRepository,
  NotificationChannelRepository,
  NotificationRepository,
  type BossRole,
} from '@hourglass/db';
import type { Readiness } from '../health/readiness.js';

const REPOSITORIES = [
  OrganizationRepository,
  ApiKeyRepository,
  TaskRepository,
  AttemptRepository,
  UsageRepository,
  ScheduleRepository,
  ScheduleTickRepository,
  IdempotencyRepository,
  SigningSecretRepository,
  QueueRepository,
  QueueAdmissionRepository,
  RetentionRepository,
  DataKeyRepository,
  AuditTrail,
  InboundEndpointRepository,
  InboundEventRepository,
  NotificationChannelRepository,
  NotificationRepository,
] as const;

export function dbProviders(
  { url, poolMax, masterKeys, sealing }: { url: string; poolMax: number; masterKeys: string; sealing: boolean },
  service: string,
  bossRole: BossRole,
  asyncCommit: boolean,
): Provider[] {
  return [
    {
      provide: DataSource,
      useFactory: async () =>
        createDataSource({
          url,
          poolMax,
          applicationName: `hourglass-${service}`,
          asyncCommit,
          masterKeys,
          sealing,
        }).initialize(),
    },
    ...REPOSITORIES.map((Repo) => ({
      provide: Repo,
      useFactory: (ds: DataSource) => new Repo(ds),
      inject: [DataSource],
    })),
    {
      provide: PgBoss,
      useFactory: async () => {
        const boss = createBoss(url, bossRole, asyncCommit ? ASYNC_COMMIT : {});
        boss.on('error', () => undefined); // surfaced through readiness and metrics, not as a crash
        return boss.start();
      },
    },
  ];
}

/** The database answers, and the schema this build expects has been migrated. */
export function addDbReadiness(readiness: Readiness, dataSource: DataSource): void {
  readiness.add({
    name: 'database',
    check: async () => {
      await dataSource.query('SELECT 1');
      return { ok: true };
    },
  });
  readiness.add({
    name: 'migrations',
    check: async () => {
      const rows: unknown[] = await dataSource.query('SELECT 1 FROM typeorm_migrations WHERE name = $1', [
        EXPECTED_MIGRATION,
      ]);
      return { ok: rows.length === 1, detail: { expected: EXPECTED_MIGRATION } };
    },
  });
}
