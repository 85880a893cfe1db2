import type { EntityManager } from 'typeorm';
import { sealedVersion } from '@hourglass/crypto';
import { queryRows } from '../sql.js';
import type { FieldCipher } from './field-cipher.js';
import { SEALED_FIELDS, type SealedTable } from './sealed-rows.js';

/**
 * How an org's sealed rows are walked for a data-key rotation: its rows of `parent` in id order,
 * each batch with the rows of `children` that belong to it (they have no (org, id) index of their own).
 * Every table of SEALED_FIELDS is in exactly one walk (a unit test holds that).
 */
export interface ResealWalk {
  parent: SealedTable;
  children: { table: SealedTable; parentColumn: string }[];
}

export const RESEAL_WALKS: ResealWalk[] = [
  { parent: 'tasks', children: [{ table: 'attempts', parentColumn: 'task_id' }] },
  { parent: 'schedules', children: [{ table: 'schedule_versions', parentColumn: 'schedule_id' }] },
  { parent: 'audit_log', children: [] },
  { parent: 'inbound_endpoints', children: [] },
  { parent: 'inbound_events', children: [] },
  { parent: 'notification_events', children: [] },
  { parent: 'notification_channels', children: [] },
  { parent: 'monitors', children: [{ table: 'monitor_pings', parentColumn: 'monitor_id' }] },
];

interface StoredRow {
  id: string;
  org_id: string;
  [column: string]: Buffer | string | null;
}

const EMPTY_MAP = Buffer.from('{}');

/** Sealed under another data-key version, or legacy plaintext (an empty map aside, which stays as written). */
function isStale(stored: Buffer | null, currentVersion: number): boolean {
  if (stored === null) return false;
  const version = sealedVersion(stored);
  return version === null ? !stored.equals(EMPTY_MAP) : version !== currentVersion;
}

const columnsOf = (table: SealedTable) => SEALED_FIELDS[table].map((field) => field.column);

/**
 * Re-seals, under the org's current data key, the stale values of `rows` of `table` and writes them
 * back (one UPDATE for the batch). Values are opened first and sealed from their plaintext, so a
 * value is never sealed twice over; a row already current is not written. Returns the rows written.
 */
async function resealRows(em: EntityManager, cipher: FieldCipher, table: SealedTable, rows: StoredRow[]) {
  const columns = columnsOf(table);
  const current = rows.length > 0 ? cipher.keys.current(rows[0]!.org_id).version : 0;
  const changed = rows.filter((row) => columns.some((column) => isStale(row[column] as Buffer | null, current)));
  if (changed.length === 0) return 0;
  const values = columns.map((column) =>
    changed.map((row) => {
      const stored = row[column] as Buffer | null;
      if (!isStale(stored, current)) return stored;
      const place = { orgId: row.org_id, table, column, rowId: row.id };
      return cipher.seal(place, cipher.open(place, stored!));
    }),
  );
  await queryRows(
    em,
    `UPDATE ${table} t SET ${columns.map((c) => `${c} = u.${c}`).join(', ')}
       FROM unnest($1::uuid[], ${columns.map((_, i) => `$${i + 2}::bytea[]`).join(', ')}) AS u(id, ${columns.join(', ')})
      WHERE t.id = u.id RETURNING t.id`,
    [changed.map((row) => row.id), ...values],
  );
  return changed.length;
}

export interface ResealBatch {
  /** Parent rows walked (fewer than asked: the walk is at its end). */
  picked: number;
  /** Where the next batch starts (the last parent id walked). */
  lastId: string | null;
  /** Rows (parents and children) written. */
  resealed: number;
}

/**
 * One batch of a walk in one transaction: the parents after `afterId` and their children, locked
 * (FOR UPDATE: a concurrent edit waits for the batch, so neither overwrites the other), re-sealed
 * where stale. The org's keys must be loaded, current one included.
 */
export async function resealBatch(
  em: EntityManager,
  cipher: FieldCipher,
  orgId: string,
  walk: ResealWalk,
  afterId: string,
  size: number,
): Promise<ResealBatch> {
  const parents = await queryRows<StoredRow>(
    em,
    `SELECT id, org_id, ${columnsOf(walk.parent).join(', ')} FROM ${walk.parent}
      WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT $3 FOR UPDATE`,
    [orgId, afterId, size],
  );
  let resealed = await resealRows(em, cipher, walk.parent, parents);
  const ids = parents.map((row) => row.id);
  for (const child of ids.length > 0 ? walk.children : []) {
    const rows = await queryRows<StoredRow>(
      em,
      `SELECT id, org_id, ${columnsOf(child.table).join(', ')} FROM ${child.table}
        WHERE ${child.parentColumn} = ANY($1::uuid[]) AND org_id = $2 ORDER BY id FOR UPDATE`,
      [ids, orgId],
    );
    resealed += await resealRows(em, cipher, child.table, rows);
  }
  return { picked: parents.length, lastId: ids.at(-1) ?? null, resealed };
}
