import {
  createTestDataSource,
  make,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDataSource,
  testMasterKeys,
} from '@hourglass/testing';
import { duplicatedIn, hitsByTask, lostAmong, reportFigures, seedTasksFor, unfinishedTasks } from './fault-kit.js';

const TASKS = Number(process.env.FAULT_TASKS ?? 10_000);
const KILL_EVERY_MS = 1_000;
const SLOW = 240_000;

/**
 * Three dispatcher processes deliver 10,000 tasks while one of them is SIGKILLed every few
 * seconds and restarted. Nothing may be lost; a task may reach the target twice only because a
 * kill interrupted it, and then both requests carry the same webhook-id (the body names the task).
 */
describe('fault: dispatchers killed with SIGKILL while delivering', () => {
  let source: TestDataSource;
  let sink: HttpSink;
  const dispatchers: RunningService[] = [];

  beforeAll(async () => {
    source = await createTestDataSource();
    // A little latency keeps deliveries in flight, so kills do interrupt some.
    sink = await startHttpSink((_req, res) => void setTimeout(() => res.end('ok'), 250));
  }, SLOW);

  afterAll(async () => {
    await Promise.all(dispatchers.map((d) => d.kill('SIGKILL')));
    await sink.close();
    await source.close();
  }, SLOW);

  it(
    'delivers every task at least once, duplicates only with the same webhook-id',
    async () => {
      const { db, database } = source;
      const { org } = await make.org(db);
      const ids = await seedTasksFor(source, org.id, [`${sink.url}/fault`], () => TASKS, 2_000);

      const env = {
        DATABASE_URL: database.url,
        HOURGLASS_MASTER_KEYS: testMasterKeys(),
        HOURGLASS_LOCAL_MODE: 'true',
        DISPATCHER_POLL_MS: '200',
      };
      for (let i = 0; i < 3; i++) dispatchers.push(await startService('dispatcher', env));
      let kills = 0;
      const pending = () => unfinishedTasks(db);
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
      // The body names the task; the webhook-id header must name the same one, on every duplicate too.
      const hits = hitsByTask([sink]);
      expect(lostAmong(ids, hits)).toEqual([]);
      const duplicated = duplicatedIn(hits);
      // Each kill can interrupt at most one process's in-flight deliveries (200 by default).
      expect(duplicated).toBeLessThanOrEqual(kills * 200);
      reportFigures('dispatcher-sigkill', { tasks: TASKS, kills, duplicatedTasks: duplicated, lost: 0 });
    },
    SLOW,
  );
});
