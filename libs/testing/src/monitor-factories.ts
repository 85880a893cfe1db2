import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { newId, queryRows } from '@hourglass/db';

export interface MonitorFields {
  orgId: string;
  name?: string;
  type?: 'heartbeat' | 'http';
  status?: 'new' | 'up' | 'late' | 'down' | 'paused';
  everyMs?: number;
  graceMs?: number;
  createdAt?: Date;
  badgeToken?: string;
}

export interface MadeMonitor {
  id: string;
  orgId: string;
  name: string;
  badgeToken: string;
}

/**
 * Monitor rows as SQL, for suites that read monitors (status pages, badges) without the monitors
 * API: the columns the migration requires, everything else its defaults.
 */
export const makeMonitor = {
  async monitor(db: DataSource, fields: MonitorFields): Promise<MadeMonitor> {
    const monitor = {
      id: newId(),
      orgId: fields.orgId,
      name: fields.name ?? `monitor-${randomBytes(3).toString('hex')}`,
      badgeToken: fields.badgeToken ?? randomBytes(18).toString('base64url'),
    };
    await queryRows(
      db.manager,
      `INSERT INTO monitors (id, org_id, name, type, status, every_ms, grace_ms, badge_token, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        monitor.id,
        monitor.orgId,
        monitor.name,
        fields.type ?? 'heartbeat',
        fields.status ?? 'new',
        fields.type === 'http' ? null : (fields.everyMs ?? 60_000),
        fields.graceMs ?? 0,
        monitor.badgeToken,
        fields.createdAt ?? new Date(),
      ],
    );
    return monitor;
  },

  /** An incident; `resolvedAt` null: still open (one per monitor, as the state machine keeps it). */
  async incident(
    db: DataSource,
    monitor: { id: string; orgId: string },
    startedAt: Date,
    resolvedAt: Date | null,
    cause = 'missed heartbeat',
  ): Promise<string> {
    const id = newId();
    await queryRows(
      db.manager,
      `INSERT INTO monitor_incidents (id, monitor_id, org_id, started_at, resolved_at, cause) VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, monitor.id, monitor.orgId, startedAt, resolvedAt, cause],
    );
    return id;
  },

  async check(
    db: DataSource,
    monitor: { id: string; orgId: string },
    fields: { ok: boolean; statusCode?: number; durationMs?: number; error?: string; checkedAt?: Date },
  ): Promise<string> {
    const id = newId();
    await queryRows(
      db.manager,
      `INSERT INTO monitor_checks (id, monitor_id, org_id, status_code, duration_ms, ok, error, checked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        monitor.id,
        monitor.orgId,
        fields.statusCode ?? null,
        fields.durationMs ?? null,
        fields.ok,
        fields.error ?? null,
        fields.checkedAt ?? new Date(),
      ],
    );
    return id;
  },
};
