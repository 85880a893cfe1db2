import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { AppError, ErrorCode } from '@hourglass/domain';
import { ScheduleEntity, ScheduleOccurrenceEntity, ScheduleVersionEntity } from '../entities/schedule.entity.js';
import { decodeCursor, type Page, toPage } from '../cursor.js';
import { cipherOf } from '../encryption/field-cipher.js';
import { openOne, openRows, sealRow, sealRows } from '../encryption/sealed-rows.js';
import { queryRows } from '../sql.js';

export type NewSchedule = Omit<ScheduleEntity, 'lastFireAt'>;
export type NewScheduleVersion = Omit<ScheduleVersionEntity, 'createdAt'>;
/** Columns an API change may set; the scheduler owns last_fire_at and advancing next_run_at. */
export type ScheduleChanges = Partial<Omit<ScheduleEntity, 'id' | 'orgId' | 'createdAt' | 'lastFireAt' | 'version'>>;

/** (org_id, name) is unique: a duplicate is the caller's conflict, not a server error. */
async function uniqueName<T>(name: string | undefined, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
      throw new AppError(ErrorCode.CONFLICT, `A schedule named "${name ?? ''}" already exists in this organization`);
    }
    throw error;
  }
}

/** Tenant-scoped schedule CRUD, versions (change history) and the occurrence log, for the API. */
export class ScheduleRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: NewSchedule, em: EntityManager): Promise<ScheduleEntity> {
    const [sealed] = await sealRows(em, 'schedules', [{ ...row, lastFireAt: null }]);
    await uniqueName(row.name, () => em.insert(ScheduleEntity, em.create(ScheduleEntity, sealed)));
    return em.create(ScheduleEntity, { ...row, lastFireAt: null });
  }

  async findForOrg(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<ScheduleEntity | null> {
    return openOne(em, 'schedules', await em.findOneBy(ScheduleEntity, { orgId, id }));
  }

  /** The row locked FOR UPDATE until `em`'s transaction ends: a tick's claim (SKIP LOCKED) passes it by meanwhile. */
  async lockForOrg(orgId: string, id: string, em: EntityManager): Promise<ScheduleEntity | null> {
    return openOne(
      em,
      'schedules',
      await em.findOne(ScheduleEntity, { where: { orgId, id }, lock: { mode: 'pessimistic_write' } }),
    );
  }

  async listForOrg(orgId: string, limit: number, cursor?: string): Promise<Page<ScheduleEntity>> {
    const query = this.db.manager.createQueryBuilder(ScheduleEntity, 's').where('s.org_id = :orgId', { orgId });
    const before = decodeCursor(cursor);
    if (before) query.andWhere('s.id < :before', { before });
    const rows = await query
      .orderBy('s.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    return toPage(await openRows(this.db.manager, 'schedules', rows), limit);
  }

  /**
   * Optimistic concurrency: the UPDATE only wins while the row is still at `version`, and bumps it.
   * Concurrent writers serialize on the row lock; the loser re-checks the version and gets null.
   * Only the given columns are written, so a tick advancing next_run_at meanwhile is not undone.
   */
  async update(
    orgId: string,
    id: string,
    version: number,
    changes: ScheduleChanges,
    em: EntityManager,
  ): Promise<ScheduleEntity | null> {
    const cipher = cipherOf(em);
    await cipher.load(em, [orgId]);
    const sealed = { ...changes, ...sealRow(cipher, 'schedules', { id, orgId, ...changes }) };
    const result = await uniqueName(changes.name, () =>
      em.update(ScheduleEntity, { orgId, id, version }, { ...sealed, version: version + 1 }),
    );
    if (!result.affected) return null;
    return this.findForOrg(orgId, id, em);
  }

  async delete(orgId: string, id: string, em: EntityManager): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      em,
      'DELETE FROM schedules WHERE org_id = $1 AND id = $2 RETURNING id',
      [orgId, id],
    );
    return rows.length > 0;
  }

  /**
   * The org's plan name, locking the org row (FOR NO KEY UPDATE: it does not block inserts that
   * reference the org) until commit, so concurrent schedule creates for one org count in turn.
   */
  async lockOrgPlan(orgId: string, em: EntityManager): Promise<string | null> {
    const rows = await queryRows<{ plan: string }>(
      em,
      'SELECT plan FROM organizations WHERE id = $1 FOR NO KEY UPDATE',
      [orgId],
    );
    return rows[0]?.plan ?? null;
  }

  /** Whether the org has at least `n` schedules: reads at most `n` index entries, whatever the org holds. */
  async hasAtLeast(orgId: string, n: number, em: EntityManager): Promise<boolean> {
    if (n <= 0) return true;
    const rows = await queryRows(em, 'SELECT 1 FROM schedules WHERE org_id = $1 ORDER BY id OFFSET $2 LIMIT 1', [
      orgId,
      n - 1,
    ]);
    return rows.length > 0;
  }

  async insertVersion(row: NewScheduleVersion, em: EntityManager): Promise<void> {
    const [sealed] = await sealRows(em, 'schedule_versions', [row]);
    await em.query(
      'INSERT INTO schedule_versions (id, schedule_id, org_id, version, change, snapshot) VALUES ($1, $2, $3, $4, $5, $6)',
      [row.id, row.scheduleId, row.orgId, row.version, row.change, sealed!.snapshot],
    );
  }

  /** Versions newest first (their ids are UUID v7, made in version order). */
  async listVersions(
    orgId: string,
    scheduleId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<ScheduleVersionEntity>> {
    const query = this.db.manager
      .createQueryBuilder(ScheduleVersionEntity, 'v')
      .where('v.org_id = :orgId AND v.schedule_id = :scheduleId', { orgId, scheduleId });
    const before = decodeCursor(cursor);
    if (before) query.andWhere('v.id < :before', { before });
    const rows = await query
      .orderBy('v.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    return toPage(await openRows(this.db.manager, 'schedule_versions', rows), limit);
  }

  /**
   * The occurrence log, newest fire time first. The scheduler writes these rows, so the order is
   * (fire_at, id) rather than id alone; the cursor is still the last row's id.
   */
  async listOccurrences(
    orgId: string,
    scheduleId: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<ScheduleOccurrenceEntity>> {
    const query = this.db.manager
      .createQueryBuilder(ScheduleOccurrenceEntity, 'o')
      .where('o.org_id = :orgId AND o.schedule_id = :scheduleId', { orgId, scheduleId });
    const after = decodeCursor(cursor);
    if (after) {
      query.andWhere(
        '(o.fire_at, o.id) < (SELECT c.fire_at, c.id FROM schedule_occurrences c WHERE c.id = :after AND c.schedule_id = :scheduleId)',
        { after },
      );
    }
    const rows = await query
      .orderBy('o.fire_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .limit(limit + 1)
      .getMany();
    return toPage(rows, limit);
  }
}
