import type { DataSource } from 'typeorm';
import { createDataSource } from '@hourglass/db';
import {
  createTestDatabase,
  raisedEvents,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDatabase,
  testMasterKeys,
  waitFor,
} from '@hourglass/testing';
import { ApiClient, newOrgClient, serviceEnv } from './api-client.js';

/**
 * Every schedule is watched without setup (issue 11 item 3, docs/decisions/0024): the three
 * services as processes, a per-second schedule created through the API whose target answers 500,
 * then 200. One schedule.failed for the failing streak, one schedule.recovered at the first success.
 */
const SLOW = 120_000;

describe('system: a failing schedule alerts once, and its recovery once', () => {
  let database: TestDatabase;
  let db: DataSource;
  let sink: HttpSink;
  const services: RunningService[] = [];
  let api: ApiClient;
  let orgId: string;
  let failing = true;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDataSource({ url: database.url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
    sink = await startHttpSink();
    sink.reply((_req, res) => {
      res.statusCode = failing ? 500 : 200;
      res.end();
    });
    const { adminToken, env } = serviceEnv(database.url, {
      HOURGLASS_PLANS: JSON.stringify({
        free: { tier: 1, minScheduleIntervalMs: 1_000, maxSchedules: 20, tasksPerMonth: 100_000, retentionDays: 7 },
      }),
    });
    const started = await Promise.all(
      (['api-gateway', 'scheduler', 'dispatcher'] as const).map((name) => startService(name, env)),
    );
    services.push(...started);
    const created = await newOrgClient(started[0]!.url, adminToken, { name: 'schedule alerts' });
    api = created.api;
    orgId = created.org.id;
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await db.destroy();
    await sink.close();
    await database.drop();
  }, SLOW);

  const events = (event: string) => raisedEvents(db, orgId, event);

  it(
    'raises exactly one schedule.failed over several failed occurrences, then one schedule.recovered',
    async () => {
      const schedule = await api.expect<{ id: string }>(201, 'POST', '/v1/schedules', {
        name: 'nightly-report',
        interval: '1s',
        retry: { maxAttempts: 1 },
        request: { url: `${sink.url}/report` },
      });
      // Several occurrences fail (each after its one attempt): still one alert.
      await sink.waitFor(4, () => true, 30_000);
      const [failed, ...more] = await waitFor(
        () => events('schedule.failed'),
        (rows) => rows.length > 0,
        { what: 'schedule.failed' },
      );
      expect(more).toEqual([]);
      expect(failed).toMatchObject({ subjectType: 'schedule', subjectId: schedule.id, notify: null });
      expect(failed!.payload).toMatchObject({
        severity: 'critical',
        cause: 'HTTP 500',
        title: 'Schedule "nightly-report" failed',
      });

      failing = false;
      const [recovered] = await waitFor(
        () => events('schedule.recovered'),
        (rows) => rows.length > 0,
        { what: 'schedule.recovered' },
      );
      expect(recovered).toMatchObject({ subjectId: schedule.id });
      // More successes raise nothing more.
      const delivered = sink.requests.length;
      await sink.waitFor(delivered + 3, () => true, 30_000);
      await api.expect(200, 'POST', `/v1/schedules/${schedule.id}/pause`);
      expect((await events('schedule.failed')).length).toBe(1);
      expect((await events('schedule.recovered')).length).toBe(1);
      expect(await events('task.failed')).toEqual([]);
    },
    SLOW,
  );
});
