import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { createBoss, DataKeyRepository, RetentionRepository } from '@hourglass/db';
import { AppLogger, Metrics } from '@hourglass/platform';
import { createTestDataSource, type TestDataSource, testMasterKeys } from '@hourglass/testing';
import { toSchedulerConfig, type SchedulerEnv } from '../config.js';
import type { LeaderService } from '../leader/leader.service.js';
import { RetentionService } from './retention.service.js';

export interface RetentionFixture {
  fixture: TestDataSource;
  db: DataSource;
  boss: PgBoss;
  dataKeys: DataKeyRepository;
  /** A RetentionService that always leads. */
  retention: RetentionService;
  close(): Promise<void>;
}

export interface Leading {
  leading: boolean;
}

/** A RetentionService on `fixture`'s database, configured by `env`, leading while `leader.leading`. */
export function retentionService(
  fixture: TestDataSource,
  env: Partial<SchedulerEnv>,
  parts: { repo?: RetentionRepository; dataKeys?: DataKeyRepository; leader?: Leading } = {},
): RetentionService {
  const config = toSchedulerConfig({
    DATABASE_URL: fixture.database.url,
    HOURGLASS_MASTER_KEYS: testMasterKeys(),
    ...env,
  } as SchedulerEnv);
  const leader = Object.assign(parts.leader ?? { leading: true }, { on: () => leader });
  return new RetentionService(
    config,
    parts.repo ?? new RetentionRepository(fixture.db),
    parts.dataKeys ?? new DataKeyRepository(fixture.db),
    leader as unknown as LeaderService,
    new AppLogger('retention-test', 'silent'),
    new Metrics('scheduler-retention-test'),
  );
}

/**
 * Test-only (excluded from the build): a test database with a producer pg-boss and a leading
 * RetentionService configured by `env`.
 */
export async function startRetentionFixture(env: Partial<SchedulerEnv>): Promise<RetentionFixture> {
  const fixture = await createTestDataSource();
  const db = fixture.db;
  const boss = createBoss(fixture.database.url, 'producer');
  await boss.start();
  const dataKeys = new DataKeyRepository(db);
  const retention = retentionService(fixture, env, { dataKeys });
  return {
    fixture,
    db,
    boss,
    dataKeys,
    retention,
    close: async () => {
      await boss.stop({ graceful: false });
      await fixture.close();
    },
  };
}
