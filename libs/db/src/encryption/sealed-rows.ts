import type { EntityManager } from 'typeorm';
import { cipherOf, type FieldCipher } from './field-cipher.js';
import { DataKeyUnavailable } from './org-data-keys.js';

/** A sealed column and the row property it is read into; `json`: the plaintext is the property as JSON. */
interface SealedField {
  prop: string;
  column: string;
  json?: boolean;
}

/** Which properties of a table's rows are sealed, and in which column (the AAD names the column). */
export const SEALED_FIELDS = {
  tasks: [
    { prop: 'url', column: 'url' },
    { prop: 'headers', column: 'headers', json: true },
    { prop: 'body', column: 'body' },
    { prop: 'callbackUrl', column: 'callback_url' },
    { prop: 'failureCallbackUrl', column: 'failure_callback_url' },
  ],
  attempts: [
    { prop: 'responseBody', column: 'response_body' },
    { prop: 'error', column: 'error' },
  ],
  schedules: [
    { prop: 'url', column: 'url' },
    { prop: 'headers', column: 'headers', json: true },
    { prop: 'body', column: 'body' },
  ],
  schedule_versions: [{ prop: 'snapshot', column: 'snapshot', json: true }],
  audit_log: [{ prop: 'changes', column: 'changes', json: true }],
  inbound_endpoints: [
    { prop: 'verify', column: 'verify', json: true },
    { prop: 'forwards', column: 'forwards', json: true },
  ],
  inbound_events: [
    { prop: 'query', column: 'query', json: true },
    { prop: 'headers', column: 'headers', json: true },
    { prop: 'body', column: 'body' },
  ],
  notification_events: [{ prop: 'payload', column: 'payload', json: true }],
  notification_channels: [{ prop: 'target', column: 'target' }],
  monitors: [
    { prop: 'request', column: 'request', json: true },
    { prop: 'pingToken', column: 'ping_token' },
  ],
  monitor_pings: [{ prop: 'body', column: 'body' }],
} as const satisfies Record<string, readonly SealedField[]>;

export type SealedTable = keyof typeof SEALED_FIELDS;

const EMPTY_MAP = '{}';

interface Owned {
  id: string;
  orgId: string;
}

/** The sealed values of one row's fields, by property (absent properties are left out). */
export function sealRow(
  cipher: FieldCipher,
  table: SealedTable,
  row: Owned & Record<string, unknown>,
): Record<string, Buffer | null> {
  const sealed: Record<string, Buffer | null> = {};
  for (const field of SEALED_FIELDS[table] as readonly SealedField[]) {
    if (!(field.prop in row)) continue;
    const value = row[field.prop];
    const text = value === null || value === undefined ? null : field.json ? JSON.stringify(value) : (value as string);
    // An empty map holds nothing secret: kept as (legacy-form) plaintext, it spares a third of a typical task's seals.
    sealed[field.prop] =
      text === EMPTY_MAP
        ? Buffer.from(EMPTY_MAP)
        : cipher.seal({ orgId: row.orgId, table, column: field.column, rowId: row.id }, text);
  }
  return sealed;
}

/** Seals rows of `table` in place of their plaintext fields, after loading their orgs' keys. */
export async function sealRows<T extends Owned>(em: EntityManager, table: SealedTable, rows: T[]): Promise<T[]> {
  const cipher = cipherOf(em);
  await cipher.load(
    em,
    rows.map((row) => row.orgId),
  );
  return rows.map((row) => ({ ...row, ...sealRow(cipher, table, row as Owned & Record<string, unknown>) }));
}

function openRow(cipher: FieldCipher, table: SealedTable, row: Owned): void {
  const values = row as unknown as Record<string, unknown>;
  for (const field of SEALED_FIELDS[table] as readonly SealedField[]) {
    const stored = values[field.prop];
    if (stored === undefined || stored === null) continue;
    const text = cipher.open({ orgId: row.orgId, table, column: field.column, rowId: row.id }, stored as Buffer);
    values[field.prop] = field.json ? JSON.parse(text) : text;
  }
}

/**
 * Opens rows of `table` read with their sealed fields, in place. A row of a deleted org (its data
 * key destroyed) is left out, so it reads as not found; `unreadable` collects it when given.
 */
export async function openRows<T extends Owned>(
  em: EntityManager,
  table: SealedTable,
  rows: T[],
  unreadable?: T[],
): Promise<T[]> {
  if (rows.length === 0) return rows;
  const cipher = cipherOf(em);
  await cipher.load(
    em,
    rows.map((row) => row.orgId),
  );
  return rows.filter((row) => {
    try {
      openRow(cipher, table, row);
      return true;
    } catch (error) {
      if (!(error instanceof DataKeyUnavailable)) throw error;
      unreadable?.push(row);
      return false;
    }
  });
}

export async function openOne<T extends Owned>(
  em: EntityManager,
  table: SealedTable,
  row: T | null,
): Promise<T | null> {
  return row ? ((await openRows(em, table, [row]))[0] ?? null) : null;
}

/** A row just written, with the plaintext it was written from in place of its sealed fields (nothing to decrypt). */
export function withPlaintextOf<T extends object>(table: SealedTable, written: object, row: T): T {
  const plain = written as Record<string, unknown>;
  const copy = { ...row } as Record<string, unknown>;
  for (const field of SEALED_FIELDS[table] as readonly SealedField[]) copy[field.prop] = plain[field.prop] ?? null;
  return copy as T;
}
