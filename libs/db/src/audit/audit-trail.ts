import type { DataSource, EntityManager } from 'typeorm';
import type { ActorType, AuditChanges, AuditEntry } from '@hourglass/domain';
import { decodeCursor, type Page, toPage } from '../cursor.js';
import type { FieldCipher } from '../encryption/field-cipher.js';
import { openRows, sealRow, sealRows } from '../encryption/sealed-rows.js';
import { newId } from '../ids.js';
import { queryRows } from '../sql.js';
import { Params } from '../task-writer/params.js';

/** An audit row as read, `changes` opened. */
export interface AuditRow {
  id: string;
  orgId: string;
  at: Date;
  actorType: ActorType;
  actorId: string;
  action: string;
  resourceType: string;
  resourceId: string;
  changes: AuditChanges | null;
}

export interface AuditFilter {
  limit: number;
  cursor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  /** An actor's id: an API key's id, or `admin`. */
  actor?: string;
  after?: Date;
  before?: Date;
}

const COLUMNS = `id, org_id AS "orgId", at, actor_type AS "actorType", actor_id AS "actorId", action,
  resource_type AS "resourceType", resource_id AS "resourceId", changes`;

type NewAuditRow = Omit<AuditRow, 'at'>;

const toRow = (entry: AuditEntry): NewAuditRow => ({
  id: newId(),
  orgId: entry.orgId,
  actorType: entry.actor.type,
  actorId: entry.actor.id,
  action: entry.action,
  resourceType: entry.resourceType,
  resourceId: entry.resourceId,
  changes: entry.changes,
});

type SealedAuditRow = Omit<NewAuditRow, 'changes'> & { changes: Buffer | null };

function insertSql(params: Params, rows: SealedAuditRow[]): string {
  const column = <K extends keyof SealedAuditRow>(key: K) => params.add(rows.map((row) => row[key]));
  return `INSERT INTO audit_log (id, org_id, actor_type, actor_id, action, resource_type, resource_id, changes)
    SELECT * FROM unnest(${column('id')}::uuid[], ${column('orgId')}::uuid[], ${column('actorType')}::text[],
                         ${column('actorId')}::text[], ${column('action')}::text[], ${column('resourceType')}::text[],
                         ${column('resourceId')}::text[], ${column('changes')}::bytea[])
    RETURNING id`;
}

/**
 * The multi-row INSERT of `entries` (their orgs' keys loaded in `cipher`), `changes` sealed: a CTE
 * of the task writer's one statement, so a group commit's audit rows cost no round trip of their own.
 */
export function auditInsertSql(params: Params, entries: AuditEntry[], cipher: FieldCipher): string {
  const rows = entries
    .map(toRow)
    .map((row) => ({ ...row, changes: sealRow(cipher, 'audit_log', row)['changes'] ?? null }));
  return insertSql(params, rows);
}

/**
 * Who changed what (docs/decisions/0016). `record` writes through the mutation's own manager, so an
 * entry commits (or rolls back) with the change it describes.
 */
export class AuditTrail {
  constructor(private readonly db: DataSource) {}

  async record(em: EntityManager, entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const sealed = await sealRows(em, 'audit_log', entries.map(toRow));
    const params = new Params();
    await queryRows(em, insertSql(params, sealed as unknown as SealedAuditRow[]), params.values);
  }

  /** Newest first. The cursor is the last row's id; the next page continues below its (at, id). */
  async listForOrg(orgId: string, filter: AuditFilter): Promise<Page<AuditRow>> {
    const params = new Params([orgId]);
    const where = ['a.org_id = $1'];
    const cursor = decodeCursor(filter.cursor);
    if (cursor)
      where.push(
        `(a.at, a.id) < (SELECT c.at, c.id FROM audit_log c WHERE c.org_id = $1 AND c.id = ${params.add(cursor)})`,
      );
    if (filter.action) where.push(`a.action = ${params.add(filter.action)}`);
    if (filter.resourceType) where.push(`a.resource_type = ${params.add(filter.resourceType)}`);
    if (filter.resourceId) where.push(`a.resource_id = ${params.add(filter.resourceId)}`);
    if (filter.actor) where.push(`a.actor_id = ${params.add(filter.actor)}`);
    if (filter.after) where.push(`a.at >= ${params.add(filter.after)}`);
    if (filter.before) where.push(`a.at < ${params.add(filter.before)}`);
    const rows = await queryRows<AuditRow>(
      this.db.manager,
      `SELECT ${COLUMNS} FROM audit_log a WHERE ${where.join(' AND ')}
        ORDER BY a.at DESC, a.id DESC LIMIT ${params.add(filter.limit + 1)}`,
      params.values,
    );
    return toPage(await openRows(this.db.manager, 'audit_log', rows), filter.limit);
  }
}
