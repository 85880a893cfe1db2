import type { DataSource } from 'typeorm';
import { cipherOf } from '../encryption/field-cipher.js';
import { wrapAad } from '../encryption/org-data-keys.js';
import { queryRows } from '../sql.js';

/** `org_data_keys` upkeep on the scheduler's leader: master-key rotation, and the count per master version. */
export class DataKeyRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Re-wraps up to `batchSize` data keys still wrapped by a master version other than the ring's
   * first, in one transaction: rows are locked (SKIP LOCKED: a concurrent leader takes others),
   * unwrapped with their version, wrapped with the first and written back. Idempotent per row (a
   * re-wrapped row no longer matches), so a pass killed midway resumes where it stopped. Returns
   * how many it re-wrapped.
   */
  async rewrapBatch(batchSize: number): Promise<number> {
    const ring = cipherOf(this.db).keys.ring;
    return this.db.transaction(async (em) => {
      const rows = await queryRows<{ org_id: string; version: number; master_version: string; wrapped: Buffer }>(
        em,
        `SELECT org_id, version, master_version, wrapped FROM org_data_keys WHERE master_version <> $1
          ORDER BY org_id, version LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [ring.sealingVersion, batchSize],
      );
      if (rows.length === 0) return 0;
      const rewrapped = rows.map((row) => {
        const aad = wrapAad(row.org_id, row.version);
        return ring.wrap(ring.unwrap(row.master_version, row.wrapped, aad), aad).wrapped;
      });
      await queryRows(
        em,
        `UPDATE org_data_keys k SET master_version = $4, wrapped = u.wrapped
           FROM unnest($1::uuid[], $2::int[], $3::bytea[]) AS u(org_id, version, wrapped)
          WHERE k.org_id = u.org_id AND k.version = u.version RETURNING k.org_id`,
        [rows.map((r) => r.org_id), rows.map((r) => r.version), rewrapped, ring.sealingVersion],
      );
      return rows.length;
    });
  }

  /** How many data keys each master version wraps. */
  async countByMasterVersion(): Promise<Map<string, number>> {
    const rows = await queryRows<{ master_version: string; n: number }>(
      this.db.manager,
      'SELECT master_version, count(*)::int AS n FROM org_data_keys GROUP BY master_version',
    );
    return new Map(rows.map((row) => [row.master_version, row.n]));
  }
}
