import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import { KeyRing } from '@hourglass/crypto';
import { AttemptRepository, TaskRepository, type TaskEntity } from '@hourglass/db';
import { createHttpApp } from '@hourglass/platform';
import { createTestDatabase, waitFor, type TestDatabase, testMasterKeys } from '@hourglass/testing';
import { DispatcherModule } from '../src/dispatcher.module.js';
import { toDispatcherConfig, type DispatcherEnv } from '../src/config.js';

export interface Dispatcher {
  app: NestFastifyApplication;
  database: TestDatabase;
  db: DataSource;
  boss: PgBoss;
  tasks: TaskRepository;
  attempts: AttemptRepository;
  keys: KeyRing;
  /** Polls until the task is succeeded, failed or cancelled and returns it; throws after 20 s. */
  finished: (orgId: string, id: string) => Promise<TaskEntity | null>;
  close: () => Promise<void>;
}

/** Polls until done, and throws on timeout (never returns a value that is not done). */
export { waitFor } from '@hourglass/testing';

/** The real dispatcher module, in process, on a fresh migrated database (local mode unless `env` says otherwise). */
export async function startDispatcher(
  env: Partial<Record<keyof DispatcherEnv, string | number>> = {},
): Promise<Dispatcher> {
  const database = await createTestDatabase();
  const config = toDispatcherConfig(
    Object.assign(Object.create(null), {
      DATABASE_URL: database.url,
      HOURGLASS_MASTER_KEYS: testMasterKeys(),
      HOURGLASS_LOCAL_MODE: 'true',
      DISPATCHER_POLL_MS: 100,
      LOG_LEVEL: 'warn',
      ...env,
    }),
  );
  const app = await createHttpApp(DispatcherModule.forRoot(config), { logger: false });
  await app.init();
  const tasks = app.get(TaskRepository);
  const finished = (orgId: string, id: string) =>
    waitFor(
      () => tasks.findForOrg(orgId, id),
      (task) => task !== null && ['succeeded', 'failed', 'cancelled'].includes(task.status),
      { what: `task ${id} to finish` },
    );
  return {
    app,
    database,
    db: app.get(DataSource),
    boss: app.get(PgBoss),
    tasks,
    attempts: app.get(AttemptRepository),
    keys: new KeyRing(testMasterKeys()),
    finished,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
