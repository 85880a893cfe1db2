import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createBoss, createDataSource } from '@hourglass/db';
import { createHttpApp } from '@hourglass/platform';
import {
  createTestDatabase,
  make,
  seedDueTasks,
  startHttpSink,
  type HttpSink,
  type TestDatabase,
  testMasterKeys,
} from '@hourglass/testing';
import { DispatcherModule } from '../src/dispatcher.module.js';
import { toDispatcherConfig } from '../src/config.js';

const BACKLOG = 5_000;
const SMALL = 20;

/**
 * One org's backlog against a slow target must not starve another org: org B's 20 tasks, enqueued
 * after org A's 5,000 (same priority, so pg-boss alone would deliver them last), all arrive before
 * half of A's backlog has.
 */
describe('dispatcher fairness (in process, real Postgres, local HTTP targets)', () => {
  let database: TestDatabase;
  let app: NestFastifyApplication;
  let slow: HttpSink;
  let fast: HttpSink;

  beforeAll(async () => {
    database = await createTestDatabase();
    slow = await startHttpSink((_req, res) => void setTimeout(() => res.end('ok'), 200));
    fast = await startHttpSink();
  });

  afterAll(async () => {
    await app?.close();
    await slow.close();
    await fast.close();
    await database.drop();
  });

  it("delivers org B's tasks before half of org A's backlog", async () => {
    // Seed before the dispatcher starts: A's whole backlog is ahead of B's in pg-boss order.
    const seedDb = await createDataSource({ url: database.url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
    const seedBoss = createBoss(database.url, 'producer');
    seedBoss.on('error', () => undefined);
    await seedBoss.start();
    const { org: a } = await make.org(seedDb, 'A');
    const { org: b } = await make.org(seedDb, 'B');
    await seedDueTasks(seedDb, seedBoss, { orgId: a.id, url: `${slow.url}/a`, count: BACKLOG });
    await seedDueTasks(seedDb, seedBoss, { orgId: b.id, url: `${fast.url}/b`, count: SMALL });
    await seedBoss.stop({ graceful: true });
    await seedDb.destroy();

    const config = toDispatcherConfig(
      Object.assign(Object.create(null), {
        DATABASE_URL: database.url,
        HOURGLASS_MASTER_KEYS: testMasterKeys(),
        HOURGLASS_LOCAL_MODE: 'true',
        DISPATCHER_POLL_MS: 200,
        LOG_LEVEL: 'warn',
      }),
    );
    app = await createHttpApp(DispatcherModule.forRoot(config), { logger: false });
    await app.init();

    const bDone = await fast.waitFor(SMALL, () => true, 60_000);
    const lastB = Math.max(...bDone.map((r) => r.receivedAt));
    const aBefore = slow.requests.filter((r) => r.receivedAt <= lastB).length;
    expect(aBefore).toBeLessThan(BACKLOG / 2);
  }, 120_000);
});
