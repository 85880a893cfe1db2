import { DataSource } from 'typeorm';
import { createBoss, createDataSource } from '@hourglass/db';
import {
  createTestDatabase,
  make,
  seedDueTasks,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDatabase,
  testMasterKeys,
} from '@hourglass/testing';

const TASKS = Number(process.env.FAULT_TASKS ?? 10_000);
const KILL_EVERY_MS = 1_000;
const SLOW = 240_000;

/**
 * Three dispatcher processes deliver 10,000 tasks while one of them is SIGKILLed every few
 * seconds and restarted. Nothing may be lost; a task may reach the target twice only because a
 * kill interrupted it, and then both requests carry the same webhook-id (the body names the task).
 */
describe('fault: dispatchers killed with SIGKILL while delivering', () => {
  let database: TestDatabase;
  let db: DataSource;
  let sink: HttpSink;
  const dispatchers: RunningService[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDataSource({ url: database.url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
    // A little latency keeps deliveries in flight, so kills do interrupt some.
    sink = await startHttpSink((_req, res) => void setTimeout(() => res.end('ok'), 250));
  }, SLOW);

  afterAll(async () => {
    await Promise.all(dispatchers.map((d) => d.kill('SIGKILL')));
    await sink.close();
    await db.destroy();
    await database.drop();
  }, SLOW);

  it(
    'delivers every task at least once, duplicates only with the same webhook-id',
    async () => {
      const { org } = await make.org(db);
      const boss = createBoss(database.url, 'producer');
      await boss.start();
      const ids = await seedDueTasks(db, boss, {
        orgId: org.id,
        url: `${sink.url}/fault`,
        count: TASKS,
        timeoutMs: 2_000,
      });
      await boss.stop({ graceful: false });

      const env = {
        DATABASE_URL: database.url,
        HOURGLASS_MASTER_KEYS: testMasterKeys(),
        HOURGLASS_LOCAL_MODE: 'true',
        DISPATCHER_POLL_MS: '200',
      };
      for (let i = 0; i < 3; i++) dispatchers.push(await startService('dispatcher', env));
      let kills = 0;
      const pending = async () =>
        Number((await db.query(`SELECT count(*) AS n FROM tasks WHERE status <> 'succeeded'`))[0].n);
      const deadline = Date.now() + 200_000;
      while ((await pending()) > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, KILL_EVERY_MS));
        if ((await pending()) === 0) break;
        const victim = dispatchers.splice(kills % dispatchers.length, 1)[0]!;
        await victim.kill('SIGKILL');
        kills++;
        dispatchers.push(await startService('dispatcher', env));
      }

      expect(await pending()).toBe(0);
      expect(kills).toBeGreaterThan(0);
      const hitsByTask = new Map<string, number>();
      for (const hit of sink.requests) {
        // The body names the task; the webhook-id header must name the same one, on every duplicate too.
        const { taskId } = JSON.parse(hit.body) as { taskId: string };
        expect(hit.headers['webhook-id']).toBe(taskId);
        hitsByTask.set(taskId, (hitsByTask.get(taskId) ?? 0) + 1);
      }
      expect(ids.filter((id) => !hitsByTask.has(id))).toEqual([]);
      const duplicated = [...hitsByTask.values()].filter((n) => n > 1).length;
      // Each kill can interrupt at most one process's in-flight deliveries (200 by default).
      expect(duplicated).toBeLessThanOrEqual(kills * 200);
      console.log(`fault: ${TASKS} tasks, ${kills} kills, ${duplicated} tasks delivered more than once`);
    },
    SLOW,
  );
});
