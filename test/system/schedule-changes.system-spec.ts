import type { DataSource } from 'typeorm';
import { createDataSource } from '@hourglass/db';
import {
  createTestDatabase,
  startHttpSink,
  startService,
  type HttpSink,
  type ReceivedRequest,
  type RunningService,
  type TestDatabase,
  testMasterKeys,
} from '@hourglass/testing';
import { ApiClient, newOrgClient, serviceEnv } from './api-client.js';

/**
 * Pause, edit and delete of a per-second schedule while its next occurrences are already
 * prepared ahead (docs/decisions/0007: task and job written up to 2 s before the fire time). Once
 * the change is answered, no occurrence prepared under the old settings may still be delivered.
 */
const SLOW = 120_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('system: schedule changes take back the occurrences prepared ahead', () => {
  let database: TestDatabase;
  let db: DataSource;
  let sink: HttpSink;
  const services: RunningService[] = [];
  let api: ApiClient;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDataSource({ url: database.url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
    sink = await startHttpSink();
    const { adminToken, env } = serviceEnv(database.url, {
      SCHEDULE_LOOKAHEAD_MS: '2000',
      // Per-second schedules on the default plan.
      HOURGLASS_PLANS: JSON.stringify({
        free: { tier: 1, minScheduleIntervalMs: 1_000, maxSchedules: 20, tasksPerMonth: 100_000, retentionDays: 7 },
      }),
    });
    const started = await Promise.all(
      (['api-gateway', 'scheduler', 'dispatcher'] as const).map((name) => startService(name, env)),
    );
    services.push(...started);
    ({ api } = await newOrgClient(started[0]!.url, adminToken, { name: 'schedule changes' }));
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await db.destroy();
    await sink.close();
    await database.drop();
  }, SLOW);

  /** The fire time of the occurrence a delivery carried (its webhook-id is its task id). */
  const fireTimesOf = async (requests: ReceivedRequest[]): Promise<number[]> => {
    const ids = requests.map((r) => String(r.headers['webhook-id']));
    const rows = await db.query('SELECT fire_at FROM tasks WHERE id = ANY($1::uuid[])', [ids]);
    return rows.map((row: { fire_at: Date }) => row.fire_at.getTime());
  };
  const to = (path: string) => (r: ReceivedRequest) => r.path === path;
  /** Waits until the schedule has an occurrence prepared at least 500 ms ahead (so the change races a real one). */
  const preparedAhead = async (scheduleId: string) => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const [row] = await db.query(
        `SELECT count(*)::int AS n FROM tasks
          WHERE schedule_id = $1 AND status = 'scheduled' AND fire_at > now() + interval '500 milliseconds'`,
        [scheduleId],
      );
      if (row.n > 0) return;
      await sleep(20);
    }
    throw new Error(`schedule ${scheduleId}: nothing prepared ahead within 20 s`);
  };

  it(
    'after pause, edit or delete answered, nothing prepared under the old settings is delivered; an edit re-plans them',
    async () => {
      const create = (name: string, path: string) =>
        api.expect<{ id: string }>(201, 'POST', '/v1/schedules', {
          name,
          interval: '1s',
          request: { url: `${sink.url}${path}` },
        });
      const paused = await create('paused', '/paused');
      const edited = await create('edited', '/edited-old');
      const deleted = await create('deleted', '/deleted');
      await Promise.all(['/paused', '/edited-old', '/deleted'].map((path) => sink.waitFor(2, to(path), 20_000)));

      await preparedAhead(paused.id);
      await api.expect(200, 'POST', `/v1/schedules/${paused.id}/pause`);
      const pausedAt = Date.now();
      await preparedAhead(edited.id);
      await api.expect(200, 'PATCH', `/v1/schedules/${edited.id}`, { request: { url: `${sink.url}/edited-new` } });
      const editedAt = Date.now();
      await preparedAhead(deleted.id);
      await api.expect(204, 'DELETE', `/v1/schedules/${deleted.id}`);
      const deletedAt = Date.now();

      // Longer than the lookahead: every occurrence prepared before the changes is due by now.
      await sleep(3_500);
      const latest = async (path: string) => Math.max(...(await fireTimesOf(sink.requests.filter(to(path)))));
      expect(await latest('/paused')).toBeLessThanOrEqual(pausedAt);
      expect(await latest('/edited-old')).toBeLessThanOrEqual(editedAt);
      expect(await latest('/deleted')).toBeLessThanOrEqual(deletedAt);
      // The edit re-planned the taken-back occurrences: they run, at their fire times, with the new URL.
      const fresh = await fireTimesOf(sink.requests.filter(to('/edited-new')));
      expect(fresh.length).toBeGreaterThanOrEqual(2);
      expect(Math.min(...fresh)).toBeLessThanOrEqual(editedAt + 1_000);
      // Nothing is left waiting to fire for the paused or the deleted schedule.
      const [left] = await db.query(
        `SELECT count(*)::int AS n FROM tasks WHERE schedule_id = ANY($1::uuid[]) AND status IN ('scheduled', 'queued')`,
        [[paused.id, deleted.id]],
      );
      expect(left.n).toBe(0);
    },
    SLOW,
  );
});
