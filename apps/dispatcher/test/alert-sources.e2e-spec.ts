import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { newId } from '@hourglass/db';
import { make, raisedEvents, startHttpSink, type HttpSink } from '@hourglass/testing';
import { startDispatcher, type Dispatcher } from './harness.js';

// The dispatcher's result path raises task.failed and schedule.failed/recovered (docs/decisions/0024).
describe('alert sources on the result path (dispatcher in process, real Postgres, real HTTP target)', () => {
  let dispatcher: Dispatcher;
  let sink: HttpSink;
  let db: DataSource;
  let boss: PgBoss;

  beforeAll(async () => {
    sink = await startHttpSink();
    sink.reply((req, res) => {
      const failing = req.path.startsWith('/fail');
      res.statusCode = failing ? 503 : 200;
      if (failing) res.setHeader('retry-after', '0');
      res.end();
    });
    dispatcher = await startDispatcher();
    ({ db, boss } = dispatcher);
  });

  afterAll(async () => {
    await dispatcher.close();
    await sink.close();
  });

  it('raises one task.failed per task failed after its retries, carrying its notify override; none for a success', async () => {
    const { org } = await make.org(db);
    const channelId = newId();
    const failing = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/fail/a?token=secret`,
      maxAttempts: 2,
      notify: { channelIds: [channelId] },
    });
    const silenced = await make.task(db, boss, {
      orgId: org.id,
      url: `${sink.url}/fail/b`,
      maxAttempts: 1,
      notify: 'none',
    });
    const fine = await make.task(db, boss, { orgId: org.id, url: `${sink.url}/ok` });
    for (const task of [failing, silenced, fine]) await dispatcher.finished(org.id, task.id);
    expect((await dispatcher.tasks.findForOrg(org.id, failing.id))?.attemptCount).toBe(2);

    const events = await raisedEvents(db, org.id);
    expect(events.map((e) => [e.event, e.subjectId, e.notify])).toEqual(
      expect.arrayContaining([
        ['task.failed', failing.id, { channelIds: [channelId] }],
        ['task.failed', silenced.id, 'none'],
      ]),
    );
    expect(events).toHaveLength(2);
    const failed = events.find((e) => e.subjectId === failing.id)!;
    expect(failed).toMatchObject({ subjectType: 'task', dedupKey: `task.failed:${failing.id}:2` });
    expect(failed.payload).toMatchObject({ severity: 'critical', cause: 'HTTP 503', taskId: failing.id });
    expect(failed.payload.fields).toMatchObject({ attempts: 2, target: new URL(sink.url).host });
    // The URL's query (it may hold a credential) is not in the message.
    expect(JSON.stringify(failed.payload)).not.toContain('secret');
  });

  it('raises one schedule.failed for a failing streak and one schedule.recovered at the next success', async () => {
    const { org } = await make.org(db);
    const schedule = await make.schedule(db, {
      orgId: org.id,
      url: `${sink.url}/fail`,
      intervalMs: 60_000,
      maxAttempts: 1,
    });
    await db.query(`UPDATE schedules SET notify = '"none"' WHERE id = $1`, [schedule.id]);
    const occurrence = (minute: number, path: string) =>
      make.task(db, boss, {
        orgId: org.id,
        url: `${sink.url}${path}`,
        maxAttempts: 1,
        scheduleId: schedule.id,
        fireAt: new Date(Date.UTC(2026, 0, 1, 0, minute)),
      });
    // Two failed occurrences settling at once (maybe in one batch, maybe in two): one alert.
    const failures = await Promise.all([occurrence(1, '/fail/1'), occurrence(2, '/fail/2')]);
    for (const task of failures) await dispatcher.finished(org.id, task.id);
    const later = await occurrence(3, '/fail/3');
    await dispatcher.finished(org.id, later.id);
    const [{ failing_since }] = (await db.query('SELECT failing_since FROM schedules WHERE id = $1', [
      schedule.id,
    ])) as {
      failing_since: Date | null;
    }[];
    expect(failing_since).not.toBeNull();

    const success = await occurrence(4, '/ok');
    await dispatcher.finished(org.id, success.id);
    const again = await occurrence(5, '/ok');
    await dispatcher.finished(org.id, again.id);

    const events = await raisedEvents(db, org.id);
    expect(events.map((e) => [e.event, e.subjectType, e.subjectId, e.notify])).toEqual([
      ['schedule.failed', 'schedule', schedule.id, 'none'],
      ['schedule.recovered', 'schedule', schedule.id, 'none'],
    ]);
    expect(events[0]!.payload).toMatchObject({ severity: 'critical', cause: 'HTTP 503' });
    expect(['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z']).toContain(events[0]!.payload.occurrenceAt);
    expect(events[1]!.payload).toMatchObject({ severity: 'ok', occurrenceAt: '2026-01-01T00:04:00.000Z' });
    expect(events[1]!.payload.fields).toHaveProperty('failingSince');
    expect(await db.query('SELECT failing_since FROM schedules WHERE id = $1', [schedule.id])).toEqual([
      { failing_since: null },
    ]);

    // An older occurrence failing after the recovery (settled out of order) re-opens nothing; a newer one does.
    const stale = await occurrence(0, '/fail/stale');
    await dispatcher.finished(org.id, stale.id);
    expect(await raisedEvents(db, org.id)).toHaveLength(2);
    const newer = await occurrence(6, '/fail/6');
    await dispatcher.finished(org.id, newer.id);
    const reopened = await raisedEvents(db, org.id, 'schedule.failed');
    expect(reopened.map((e) => e.payload.occurrenceAt)).toEqual([
      events[0]!.payload.occurrenceAt,
      '2026-01-01T00:06:00.000Z',
    ]);
  });
});
