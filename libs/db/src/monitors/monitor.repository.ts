import type { DataSource, EntityManager } from 'typeorm';
import type { MonitorConfig, MonitorState, PingKind } from '@hourglass/domain';
import { decodeCursor, type Page, toPage } from '../cursor.js';
import { openOne, openRows, sealRows } from '../encryption/sealed-rows.js';
import { isUuid } from '../ids.js';
import type { NotifyOverride } from '../notifications/notification-events.js';
import { queryRows } from '../sql.js';

/** What an HTTP monitor sends; sealed at rest (URLs and headers can carry credentials). */
export interface MonitorRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
}

export interface MonitorExpect {
  statusCodes: number[];
  bodyPattern: string | null;
}

export interface MonitorRow extends MonitorConfig, MonitorState {
  id: string;
  orgId: string;
  name: string;
  request: MonitorRequest | null;
  expect: MonitorExpect | null;
  notify: NotifyOverride;
  labels: Record<string, string>;
  /** Opened for display (pingUrl); only its SHA-256 is looked up. */
  pingToken: string | null;
  badgeToken: string;
  createdAt: Date;
  updatedAt: Date;
  version: number;
}

export type NewMonitor = Omit<MonitorRow, 'createdAt' | 'updatedAt' | 'version'> & { pingTokenHash: Buffer | null };
/** Settings and state an API change or an evaluator may write. */
export type MonitorPatch = Partial<Omit<MonitorRow, 'id' | 'orgId' | 'createdAt' | 'updatedAt' | 'version'>>;

export interface PingRow {
  id: string;
  monitorId: string;
  orgId: string;
  kind: PingKind;
  exitCode: number | null;
  runId: string | null;
  durationMs: number | null;
  body: string | null;
  receivedAt: Date;
}

export interface CheckRow {
  id: string;
  monitorId: string;
  orgId: string;
  statusCode: number | null;
  durationMs: number | null;
  ok: boolean;
  error: string | null;
  checkedAt: Date;
}

export interface IncidentRow {
  id: string;
  monitorId: string;
  orgId: string;
  startedAt: Date;
  resolvedAt: Date | null;
  cause: string;
}

const COLUMNS = `id, org_id AS "orgId", name, type, status, every_ms::float8 AS "everyMs", cron, timezone,
  grace_ms::float8 AS "graceMs", max_runtime_ms::float8 AS "maxRuntimeMs", min_runtime_ms::float8 AS "minRuntimeMs",
  fail_after AS "failAfter", confirm_after AS "confirmAfter", request, expect, notify, labels,
  ping_token AS "pingToken", badge_token AS "badgeToken", consecutive_failures AS "consecutiveFailures",
  last_ping_at AS "lastPingAt", last_started_at AS "lastStartedAt", last_run_id AS "lastRunId",
  next_deadline_at AS "nextDeadlineAt", deadline_kind AS "deadlineKind", created_at AS "createdAt",
  updated_at AS "updatedAt", version`;

/** Property → column of everything a patch may set (request and the token are sealed, JSON ones cast). */
const WRITABLE: Record<keyof MonitorPatch, string> = {
  name: 'name',
  type: 'type',
  status: 'status',
  everyMs: 'every_ms',
  cron: 'cron',
  timezone: 'timezone',
  graceMs: 'grace_ms',
  maxRuntimeMs: 'max_runtime_ms',
  minRuntimeMs: 'min_runtime_ms',
  failAfter: 'fail_after',
  confirmAfter: 'confirm_after',
  request: 'request',
  expect: 'expect',
  notify: 'notify',
  labels: 'labels',
  pingToken: 'ping_token',
  badgeToken: 'badge_token',
  consecutiveFailures: 'consecutive_failures',
  lastPingAt: 'last_ping_at',
  lastStartedAt: 'last_started_at',
  lastRunId: 'last_run_id',
  nextDeadlineAt: 'next_deadline_at',
  deadlineKind: 'deadline_kind',
};
const JSON_PROPS = new Set(['expect', 'notify', 'labels']);

const jsonOrNull = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** Monitors and their pings, checks and incidents (docs/decisions/0021). Every read is scoped to an org. */
export class MonitorRepository {
  constructor(private readonly db: DataSource) {}

  async insert(row: NewMonitor, em: EntityManager): Promise<MonitorRow> {
    const [sealed] = await sealRows(em, 'monitors', [row]);
    const [written] = await queryRows<MonitorRow>(
      em,
      `INSERT INTO monitors (id, org_id, name, type, status, every_ms, cron, timezone, grace_ms, max_runtime_ms,
         min_runtime_ms, fail_after, confirm_after, request, expect, notify, labels, ping_token_hash, ping_token,
         badge_token, next_deadline_at, deadline_kind)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
       RETURNING ${COLUMNS}`,
      [
        row.id,
        row.orgId,
        row.name,
        row.type,
        row.status,
        row.everyMs,
        row.cron,
        row.timezone,
        row.graceMs,
        row.maxRuntimeMs,
        row.minRuntimeMs,
        row.failAfter,
        row.confirmAfter,
        sealed!.request,
        jsonOrNull(row.expect),
        jsonOrNull(row.notify),
        JSON.stringify(row.labels),
        row.pingTokenHash,
        sealed!.pingToken,
        row.badgeToken,
        row.nextDeadlineAt,
        row.deadlineKind,
      ],
    );
    return { ...written!, request: row.request, pingToken: row.pingToken };
  }

  /** Null for another org's monitor or an id that is not one; `lock` holds the row until commit. */
  async find(orgId: string, id: string, em: EntityManager = this.db.manager, lock = false): Promise<MonitorRow | null> {
    if (!isUuid(id)) return null;
    const rows = await queryRows<MonitorRow>(
      em,
      `SELECT ${COLUMNS} FROM monitors WHERE org_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
      [orgId, id],
    );
    return openOne(em, 'monitors', rows[0] ?? null);
  }

  /** The monitor a ping token names (unlocked: the ping path's first read). */
  async findByTokenHash(hash: Buffer): Promise<MonitorRow | null> {
    const rows = await queryRows<MonitorRow>(
      this.db.manager,
      `SELECT ${COLUMNS} FROM monitors WHERE ping_token_hash = $1`,
      [hash],
    );
    return openOne(this.db.manager, 'monitors', rows[0] ?? null);
  }

  /**
   * The ping path's one write (autocommit): the new state, only while the monitor is still at the
   * version it was read at, and the ping with it. False when something else wrote it meanwhile
   * (another ping, the evaluator): the caller then redoes the ping under the row lock.
   */
  async recordPingIfUnchanged(monitor: MonitorRow, state: MonitorState, ping: PingRow): Promise<boolean> {
    const em = this.db.manager;
    const [sealed] = await sealRows(em, 'monitor_pings', [ping]);
    const rows = await queryRows(
      em,
      `WITH m AS (
         UPDATE monitors SET status = $3, consecutive_failures = $4, last_ping_at = $5, last_started_at = $6,
           last_run_id = $7, next_deadline_at = $8, deadline_kind = $9, version = version + 1, updated_at = now()
          WHERE id = $1 AND version = $2 RETURNING id, org_id)
       INSERT INTO monitor_pings (id, monitor_id, org_id, kind, exit_code, run_id, duration_ms, body, received_at)
       SELECT $10, m.id, m.org_id, $11, $12, $13, $14, $15, $16 FROM m RETURNING id`,
      [
        monitor.id,
        monitor.version,
        state.status,
        state.consecutiveFailures,
        state.lastPingAt,
        state.lastStartedAt,
        state.lastRunId,
        state.nextDeadlineAt,
        state.deadlineKind,
        ping.id,
        ping.kind,
        ping.exitCode,
        ping.runId,
        ping.durationMs,
        sealed!.body,
        ping.receivedAt,
      ],
    );
    return rows.length > 0;
  }

  /** The monitor a ping token names, locked: pings of one monitor apply one after another. */
  async lockByTokenHash(hash: Buffer, em: EntityManager): Promise<MonitorRow | null> {
    const rows = await queryRows<MonitorRow>(
      em,
      `SELECT ${COLUMNS} FROM monitors WHERE ping_token_hash = $1 FOR UPDATE`,
      [hash],
    );
    return openOne(em, 'monitors', rows[0] ?? null);
  }

  async list(orgId: string, limit: number, cursor?: string): Promise<Page<MonitorRow>> {
    const before = decodeCursor(cursor);
    const rows = await queryRows<MonitorRow>(
      this.db.manager,
      `SELECT ${COLUMNS} FROM monitors WHERE org_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3`,
      [orgId, before ?? null, limit + 1],
    );
    return toPage(await openRows(this.db.manager, 'monitors', rows), limit);
  }

  /** Whether the org has `max` monitors or more (stops counting there). */
  async hasAtLeast(orgId: string, max: number, em: EntityManager): Promise<boolean> {
    const rows = await queryRows(em, `SELECT 1 FROM monitors WHERE org_id = $1 LIMIT 1 OFFSET $2`, [
      orgId,
      Math.max(0, max - 1),
    ]);
    return max === 0 || rows.length > 0;
  }

  /** Only the given fields change (and version, updated_at). Null when there is no such monitor. */
  async update(orgId: string, id: string, patch: MonitorPatch, em: EntityManager): Promise<MonitorRow | null> {
    const values: unknown[] = [orgId, id];
    const sets = ['updated_at = now()', 'version = version + 1'];
    const sealedProps = ['request', 'pingToken'] as const;
    const sealed =
      patch.request !== undefined || patch.pingToken !== undefined
        ? (await sealRows(em, 'monitors', [{ id, orgId, ...patch }]))[0]!
        : patch;
    for (const [prop, column] of Object.entries(WRITABLE) as [keyof MonitorPatch, string][]) {
      if (patch[prop] === undefined) continue;
      const value = (sealedProps as readonly string[]).includes(prop)
        ? sealed[prop]
        : JSON_PROPS.has(prop)
          ? jsonOrNull(patch[prop])
          : patch[prop];
      values.push(value);
      sets.push(`${column} = $${values.length}`);
    }
    const rows = await queryRows<MonitorRow>(
      em,
      `UPDATE monitors SET ${sets.join(', ')} WHERE org_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      values,
    );
    return openOne(em, 'monitors', rows[0] ?? null);
  }

  /** Its pings, checks and incidents go with it (ON DELETE CASCADE). */
  async delete(orgId: string, id: string, em: EntityManager): Promise<boolean> {
    if (!isUuid(id)) return false;
    const rows = await queryRows(em, `DELETE FROM monitors WHERE org_id = $1 AND id = $2 RETURNING id`, [orgId, id]);
    if (rows.length === 0) return false;
    // In the same transaction: no status page of the org keeps (and shows in the API) the id of a deleted monitor.
    await em.query(
      `UPDATE status_pages SET monitor_ids = array_remove(monitor_ids, $2::uuid), updated_at = now()
        WHERE org_id = $1 AND $2::uuid = ANY(monitor_ids)`,
      [orgId, id],
    );
    return true;
  }

  async insertPing(ping: PingRow, em: EntityManager): Promise<void> {
    const [sealed] = await sealRows(em, 'monitor_pings', [ping]);
    await em.query(
      `INSERT INTO monitor_pings (id, monitor_id, org_id, kind, exit_code, run_id, duration_ms, body, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        ping.id,
        ping.monitorId,
        ping.orgId,
        ping.kind,
        ping.exitCode,
        ping.runId,
        ping.durationMs,
        sealed!.body,
        ping.receivedAt,
      ],
    );
  }

  async insertCheck(check: CheckRow, em: EntityManager): Promise<void> {
    await em.query(
      `INSERT INTO monitor_checks (id, monitor_id, org_id, status_code, duration_ms, ok, error, checked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        check.id,
        check.monitorId,
        check.orgId,
        check.statusCode,
        check.durationMs,
        check.ok,
        check.error,
        check.checkedAt,
      ],
    );
  }

  /** Newest first, paged by id (UUID v7: time-ordered). */
  async listPings(orgId: string, monitorId: string, limit: number, cursor?: string): Promise<Page<PingRow>> {
    const rows = await this.page<PingRow>(
      `SELECT id, monitor_id AS "monitorId", org_id AS "orgId", kind, exit_code AS "exitCode", run_id AS "runId",
         duration_ms::float8 AS "durationMs", body, received_at AS "receivedAt" FROM monitor_pings`,
      orgId,
      monitorId,
      limit,
      cursor,
    );
    return toPage(await openRows(this.db.manager, 'monitor_pings', rows), limit);
  }

  async listChecks(orgId: string, monitorId: string, limit: number, cursor?: string): Promise<Page<CheckRow>> {
    const rows = await this.page<CheckRow>(
      `SELECT id, monitor_id AS "monitorId", org_id AS "orgId", status_code AS "statusCode",
         duration_ms AS "durationMs", ok, error, checked_at AS "checkedAt" FROM monitor_checks`,
      orgId,
      monitorId,
      limit,
      cursor,
    );
    return toPage(rows, limit);
  }

  async listIncidents(orgId: string, monitorId: string, limit: number, cursor?: string): Promise<Page<IncidentRow>> {
    const rows = await this.page<IncidentRow>(
      `SELECT id, monitor_id AS "monitorId", org_id AS "orgId", started_at AS "startedAt",
         resolved_at AS "resolvedAt", cause FROM monitor_incidents`,
      orgId,
      monitorId,
      limit,
      cursor,
    );
    return toPage(rows, limit);
  }

  private page<T>(select: string, orgId: string, monitorId: string, limit: number, cursor?: string): Promise<T[]> {
    const before = decodeCursor(cursor);
    return queryRows<T>(
      this.db.manager,
      `${select} WHERE org_id = $1 AND monitor_id = $2 AND ($3::uuid IS NULL OR id < $3) ORDER BY id DESC LIMIT $4`,
      [orgId, monitorId, before ?? null, limit + 1],
    );
  }

  /**
   * Opens the monitor's incident. Null when one is open already (the unique open-incident index:
   * a second evaluator cannot open another).
   */
  async openIncident(incident: IncidentRow, em: EntityManager): Promise<string | null> {
    const rows = await queryRows<{ id: string }>(
      em,
      `INSERT INTO monitor_incidents (id, monitor_id, org_id, started_at, cause) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (monitor_id) WHERE resolved_at IS NULL DO NOTHING RETURNING id`,
      [incident.id, incident.monitorId, incident.orgId, incident.startedAt, incident.cause.slice(0, 500)],
    );
    return rows[0]?.id ?? null;
  }

  /** Whether the monitor has an unresolved incident. */
  async hasOpenIncident(monitorId: string, em: EntityManager): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      em,
      'SELECT id FROM monitor_incidents WHERE monitor_id = $1 AND resolved_at IS NULL LIMIT 1',
      [monitorId],
    );
    return rows.length > 0;
  }

  /** Resolves the open incident, if any. */
  async resolveIncident(monitorId: string, at: Date, em: EntityManager): Promise<IncidentRow | null> {
    const rows = await queryRows<IncidentRow>(
      em,
      `UPDATE monitor_incidents SET resolved_at = GREATEST($2, started_at) WHERE monitor_id = $1 AND resolved_at IS NULL
       RETURNING id, monitor_id AS "monitorId", org_id AS "orgId", started_at AS "startedAt",
         resolved_at AS "resolvedAt", cause`,
      [monitorId, at],
    );
    return rows[0] ?? null;
  }

  /**
   * Up to `limit` monitors whose deadline has passed, locked; rows another evaluator holds are
   * skipped, not waited for. Read through the partial index on next_deadline_at, earliest first.
   */
  async claimDue(limit: number, em: EntityManager): Promise<MonitorRow[]> {
    const rows = await queryRows<MonitorRow>(
      em,
      `SELECT ${COLUMNS} FROM monitors WHERE next_deadline_at <= now() ORDER BY next_deadline_at
        LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    return openRows(em, 'monitors', rows);
  }

  /** Milliseconds until the earliest deadline (0 when one is due), null when no monitor has one. */
  async msUntilNextDeadline(em: EntityManager = this.db.manager): Promise<number | null> {
    const [row] = await queryRows<{ ms: number | null }>(
      em,
      `SELECT GREATEST(0, extract(epoch FROM min(next_deadline_at) - now()) * 1000)::float8 AS ms
         FROM monitors WHERE next_deadline_at IS NOT NULL`,
    );
    return row?.ms ?? null;
  }
}
