import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import { KeyRing } from '@hourglass/crypto';
import { AttemptRepository, TaskRepository, type TaskEntity } from '@hourglass/db';
import { createHttpApp } from '@hourglass/platform';
import { createTestDatabase, type TestDatabase } from '@hourglass/testing';
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
  /** Polls until the task is succeeded, failed or cancelled (or 20 s pass) and returns it. */
  finished: (orgId: string, id: string) => Promise<TaskEntity | null>;
  close: () => Promise<void>;
}

/** Polls `read` until `done` says so (or `timeoutMs` passes) and returns the last value. */
export async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The real dispatcher module, in process, on a fresh migrated database (local mode unless `env` says otherwise). */
export async function startDispatcher(
  env: Partial<Record<keyof DispatcherEnv, string | number>> = {},
): Promise<Dispatcher> {
  const database = await createTestDatabase();
  const keySpec = KeyRing.generateSpec();
  const config = toDispatcherConfig(
    Object.assign(Object.create(null), {
      DATABASE_URL: database.url,
      ENCRYPTION_KEYS: keySpec,
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
    );
  return {
    app,
    database,
    db: app.get(DataSource),
    boss: app.get(PgBoss),
    tasks,
    attempts: app.get(AttemptRepository),
    keys: new KeyRing(keySpec),
    finished,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
