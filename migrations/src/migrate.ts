import pg from 'pg';
import { createBoss, createDataSource, DbLock, Queue, QUEUE_OPTIONS } from '@hourglass/db';
import { MIGRATIONS } from './migrations.js';

export interface MigrateResult {
  applied: string[];
}

/**
 * Brings a database to the current schema: TypeORM migrations, then pg-boss's own schema and
 * queues. Safe to run twice, and twice at once: a session advisory lock serialises runners, and
 * every step is a no-op when already done.
 */
export async function migrate(url: string, log: (line: string) => void = () => undefined): Promise<MigrateResult> {
  const lock = new pg.Client({ connectionString: url, application_name: 'hourglass-migrate' });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [DbLock.Migrate]);
    const dataSource = createDataSource({
      url,
      migrations: MIGRATIONS,
      poolMax: 2,
      applicationName: 'hourglass-migrate',
    });
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' }).finally(() => dataSource.destroy());
    for (const migration of applied) log(`applied ${migration.name}`);

    const boss = createBoss(url, 'migrator');
    await boss.start();
    try {
      for (const name of Object.values(Queue)) {
        let existing = await boss.getQueue(name);
        const { policy = 'standard', ...options } = QUEUE_OPTIONS[name] ?? {};
        // pg-boss cannot change a queue's policy: monitor-check (transient jobs, enqueued again at
        // the next deadline) is recreated.
        if (existing && existing.policy !== policy && name === Queue.MonitorCheck) {
          await boss.deleteQueue(name);
          existing = null;
        }
        if (!existing) await boss.createQueue(name, QUEUE_OPTIONS[name]);
        else await boss.updateQueue(name, options);
      }
    } finally {
      await boss.stop({ graceful: false });
    }
    return { applied: applied.map((m) => m.name) };
  } finally {
    await lock.end();
  }
}
