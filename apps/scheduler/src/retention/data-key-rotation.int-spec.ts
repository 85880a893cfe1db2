import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import {
  AttemptRepository,
  type DataKeyRepository,
  newId,
  NotificationChannelRepository,
  ScheduleRepository,
  SEALED_FIELDS,
  TaskRepository,
} from '@hourglass/db';
import { make } from '@hourglass/testing';
import { type RetentionFixture, startRetentionFixture } from './retention.fixture.js';
import type { RetentionService } from './retention.service.js';

const SECRET_URL = 'https://user:pw@target.example/hook?token=rotation-marker';

describe('data-key rotation (real Postgres: rows re-sealed under the new version, older versions destroyed)', () => {
  let setup: RetentionFixture;
  let db: DataSource;
  let boss: PgBoss;
  let dataKeys: DataKeyRepository;
  let retention: RetentionService;

  beforeAll(async () => {
    // Batches of 2 (each walk takes several) and no settle wait (nothing else seals here).
    setup = await startRetentionFixture({ RETENTION_BATCH_SIZE: 2, DATA_KEY_SETTLE_MS: 0 });
    ({ db, boss, dataKeys, retention } = setup);
  });
  afterAll(() => setup.close());

  /** An org with 5 tasks (3 with two attempts), a schedule written as legacy plaintext, and one version of it. */
  async function orgWithData(): Promise<{ orgId: string; taskIds: string[]; scheduleId: string }> {
    const { org } = await make.org(db);
    const taskIds: string[] = [];
    for (let i = 0; i < 5; i++) {
      const task = await make.task(db, boss, {
        orgId: org.id,
        url: SECRET_URL,
        headers: { authorization: `Bearer rotation-marker-${i}` },
        body: `{"n":${i}}`,
      });
      taskIds.push(task.id);
    }
    const now = new Date();
    await new AttemptRepository(db).insertMany(
      taskIds.slice(0, 3).flatMap((taskId) =>
        [1, 2].map((number) => ({
          id: newId(),
          taskId,
          orgId: org.id,
          number,
          outcome: 'retryable' as const,
          statusCode: 500,
          durationMs: 3,
          responseHeaders: null,
          responseBody: `rotation-marker response ${number}`,
          responseTruncated: false,
          error: null,
          startedAt: now,
          finishedAt: now,
        })),
      ),
      db.manager,
    );
    const schedule = await make.schedule(db, { orgId: org.id, url: SECRET_URL, intervalMs: 60_000 });
    await new ScheduleRepository(db).insertVersion(
      {
        id: newId(),
        scheduleId: schedule.id,
        orgId: org.id,
        version: 1,
        change: 'created',
        snapshot: { url: SECRET_URL },
      },
      db.manager,
    );
    await new NotificationChannelRepository(db).insert({
      id: newId(),
      orgId: org.id,
      name: 'alerts',
      type: 'slack',
      target: SECRET_URL,
      events: ['monitor.down'],
      isDefault: true,
    });
    return { orgId: org.id, taskIds, scheduleId: schedule.id };
  }

  /** Every sealed value of the org, by the data-key version in its header ("plain" for legacy plaintext). */
  async function versionsInRows(orgId: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const [table, fields] of Object.entries(SEALED_FIELDS)) {
      for (const { column } of fields) {
        const rows = (await db.query(
          `SELECT CASE WHEN get_byte(${column}, 0) = 0 THEN (get_byte(${column}, 1) * 256 + get_byte(${column}, 2))::text
                       ELSE 'plain' END AS v, count(*)::int AS n
             FROM ${table} WHERE org_id = $1 AND ${column} IS NOT NULL AND ${column} <> '\\x7b7d'::bytea GROUP BY 1`,
          [orgId],
        )) as { v: string; n: number }[];
        for (const row of rows) counts[row.v] = (counts[row.v] ?? 0) + row.n;
      }
    }
    return counts;
  }

  const keyVersions = async (orgId: string) => (await dataKeys.versionsOf(orgId)).map((k) => k.version);

  async function expectReadable(orgId: string, taskIds: string[], scheduleId: string): Promise<void> {
    const tasks = new TaskRepository(db);
    for (const [i, id] of taskIds.entries()) {
      const task = await tasks.findForOrg(orgId, id);
      expect(task).toMatchObject({ url: SECRET_URL, headers: { authorization: `Bearer rotation-marker-${i}` } });
    }
    const attempts = await new AttemptRepository(db).listForTask(orgId, taskIds[0]!, 10);
    expect(attempts.data.map((a) => a.responseBody).sort()).toEqual([
      'rotation-marker response 1',
      'rotation-marker response 2',
    ]);
    const schedules = new ScheduleRepository(db);
    expect(await schedules.findForOrg(orgId, scheduleId)).toMatchObject({ url: SECRET_URL });
    const channels = await new NotificationChannelRepository(db).list(orgId, 10);
    expect(channels.data.map((c) => c.target)).toEqual([SECRET_URL]);
  }

  it('re-seals every row of the rotated org (legacy plaintext included) and destroys the old version; others untouched', async () => {
    const rotated = await orgWithData();
    const other = await orgWithData();
    const before = await versionsInRows(rotated.orgId);
    // 5 tasks × 3, 6 attempts, 1 version, 1 notification channel sealed; the schedule's url as written
    expect(before).toEqual({ '1': 23, plain: 1 });

    expect(await dataKeys.rotate(rotated.orgId)).toMatchObject({ version: 2 });
    expect(await keyVersions(rotated.orgId)).toEqual([1, 2]);
    const pass = await retention.runOnce();
    expect(pass).toMatchObject({ resealedRows: 5 + 6 + 2 + 1, retiredDataKeys: 1 });

    expect(await versionsInRows(rotated.orgId)).toEqual({ '2': 24 });
    expect(await keyVersions(rotated.orgId)).toEqual([2]);
    await expectReadable(rotated.orgId, rotated.taskIds, rotated.scheduleId);
    expect(await versionsInRows(other.orgId)).toEqual(before);
    expect(await keyVersions(other.orgId)).toEqual([1]);

    expect(await retention.runOnce()).toMatchObject({ resealedRows: 0, retiredDataKeys: 0 });
  });

  it('a pass cut short keeps every version; the next resumes and finishes, sealing nothing twice', async () => {
    const { orgId, taskIds, scheduleId } = await orgWithData();
    await dataKeys.rotate(orgId);
    let batches = 0;
    const cut = await dataKeys.resealOrg(orgId, 2, () => batches++ < 1);
    expect(cut).toMatchObject({ version: 2, complete: false });
    expect(await keyVersions(orgId)).toEqual([1, 2]);
    const midway = await versionsInRows(orgId);
    expect(midway['1']).toBeGreaterThan(0);
    expect(midway['2']).toBeGreaterThan(0);
    await expectReadable(orgId, taskIds, scheduleId);

    const pass = await retention.runOnce();
    expect(pass.retiredDataKeys).toBe(1);
    expect(pass.resealedRows).toBe(14 - cut.resealed);
    expect(await versionsInRows(orgId)).toEqual({ '2': 24 });
    await expectReadable(orgId, taskIds, scheduleId);
  });

  it('waits for the rotation to settle (other processes may still seal with the old version) before walking', async () => {
    const { orgId } = await orgWithData();
    await dataKeys.rotate(orgId);
    expect(await dataKeys.rotatingOrgs(60_000, 100)).not.toContain(orgId);
    expect(await dataKeys.rotatingOrgs(0, 100)).toContain(orgId);
    expect(await dataKeys.countRotating()).toBeGreaterThanOrEqual(1);
  });

  it('refuses a deleted or unknown org', async () => {
    expect(await dataKeys.rotate(newId())).toBe('not_found');
    expect(await dataKeys.versionsOf(newId())).toEqual([]);
  });
});
