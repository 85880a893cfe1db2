import type { DataSource, EntityManager } from 'typeorm';
import { generateDataKeyMaterial, MAX_DATA_KEY_VERSION } from '@hourglass/crypto';
import { cipherOf } from '../encryption/field-cipher.js';
import { wrapAad } from '../encryption/org-data-keys.js';
import { RESEAL_WALKS, resealBatch } from '../encryption/reseal.js';
import { FIRST_ORG } from './retention.repository.js';
import { queryRows } from '../sql.js';

export interface DataKeyVersion {
  version: number;
  masterVersion: string;
  createdAt: Date;
}

/** Why a data-key rotation was refused. */
export type RotationRefusal = 'not_found' | 'versions_exhausted';

/**
 * What re-sealing one org did. `complete`: every walk reached its end, so the versions older than
 * `version` (the newest when the walks began) can go.
 */
export interface OrgReseal {
  version: number;
  resealed: number;
  complete: boolean;
}

/**
 * `org_data_keys` upkeep: an org's data-key rotation (a new version, its rows re-sealed under it by
 * the scheduler's leader, then the older versions destroyed), master-key rotation (re-wrapping),
 * and the counts the metrics show.
 */
export class DataKeyRepository {
  constructor(private readonly db: DataSource) {}

  /** The org's data-key versions, oldest first (an org without one gets version 1); empty for no such org. */
  async versionsOf(orgId: string): Promise<DataKeyVersion[]> {
    await cipherOf(this.db).load(this.db.manager, [orgId]);
    return queryRows<DataKeyVersion>(
      this.db.manager,
      `SELECT k.version, k.master_version AS "masterVersion", k.created_at AS "createdAt"
         FROM org_data_keys k JOIN organizations o ON o.id = k.org_id AND o.deleted_at IS NULL
        WHERE k.org_id = $1 ORDER BY k.version`,
      [orgId],
    );
  }

  /**
   * A new data-key version for the org, which seals its new values from now on (on other processes
   * once their key cache is re-read). The org row is locked, so concurrent rotations serialise and a
   * deletion in progress wins. `before` runs in the same transaction first (the audit entry).
   */
  async rotate(
    orgId: string,
    before?: (em: EntityManager, version: number) => Promise<void>,
  ): Promise<DataKeyVersion | RotationRefusal> {
    const cipher = cipherOf(this.db);
    const ring = cipher.keys.ring;
    const rotated = await this.db.transaction(async (em) => {
      const [org] = await queryRows<{ id: string }>(
        em,
        'SELECT id FROM organizations WHERE id = $1 AND deleted_at IS NULL FOR UPDATE',
        [orgId],
      );
      if (!org) return 'not_found';
      // A statement of its own, after the lock: its snapshot sees the version a rotation that held
      // the lock before committed (one statement's would not, and both would insert the same version).
      const [{ latest }] = await queryRows<{ latest: number | null }>(
        em,
        'SELECT max(version) AS latest FROM org_data_keys WHERE org_id = $1',
        [orgId],
      );
      const version = (latest ?? 0) + 1;
      if (version > MAX_DATA_KEY_VERSION) return 'versions_exhausted';
      // Before the insert: what it seals (the audit entry) must use a committed key, never the new one.
      await before?.(em, version);
      const { wrapped } = ring.wrap(generateDataKeyMaterial(), wrapAad(orgId, version));
      const [row] = await queryRows<DataKeyVersion>(
        em,
        `INSERT INTO org_data_keys (org_id, version, master_version, wrapped) VALUES ($1, $2, $3, $4)
         RETURNING version, master_version AS "masterVersion", created_at AS "createdAt"`,
        [orgId, version, ring.sealingVersion, wrapped],
      );
      return row!;
    });
    cipher.keys.forget(orgId);
    return rotated;
  }

  /**
   * Orgs with more than one data-key version whose newest is older than `settleMs`: by then every
   * process has re-read the org's keys (their cache TTL is shorter) and seals with the newest, so a
   * re-seal walk that reaches its end leaves no value under an older version behind it.
   */
  rotatingOrgs(settleMs: number, limit: number): Promise<string[]> {
    return queryRows<{ org_id: string }>(
      this.db.manager,
      `SELECT k.org_id FROM org_data_keys k JOIN organizations o ON o.id = k.org_id AND o.deleted_at IS NULL
        GROUP BY k.org_id HAVING count(*) > 1 AND max(k.created_at) < now() - $1 * interval '1 millisecond'
        ORDER BY k.org_id LIMIT $2`,
      [settleMs, limit],
    ).then((rows) => rows.map((row) => row.org_id));
  }

  /**
   * Re-seals the org's values under its newest data key, walk by walk, one transaction per batch of
   * `batchSize` rows, while `keepGoing()` holds. Resumable: a pass killed midway is walked again from
   * the start, skipping rows already current (each batch commits on its own).
   */
  async resealOrg(orgId: string, batchSize: number, keepGoing: () => boolean): Promise<OrgReseal> {
    const cipher = cipherOf(this.db);
    cipher.keys.forget(orgId);
    await cipher.load(this.db.manager, [orgId]);
    const version = cipher.keys.current(orgId).version;
    let resealed = 0;
    for (const walk of RESEAL_WALKS) {
      for (let after = FIRST_ORG; ;) {
        if (!keepGoing()) return { version, resealed, complete: false };
        const batch = await this.db.transaction(async (em) => {
          await cipher.load(em, [orgId]);
          return resealBatch(em, cipher, orgId, walk, after, batchSize);
        });
        resealed += batch.resealed;
        if (batch.picked < batchSize) break;
        after = batch.lastId!;
      }
    }
    return { version, resealed, complete: true };
  }

  /**
   * Destroys the org's data-key versions older than `version`, once a complete re-seal left nothing
   * under them (a rotation during the walk made a newer one: it stays, and so does `version`).
   * Returns how many.
   */
  async retireVersionsBefore(orgId: string, version: number): Promise<number> {
    const rows = await queryRows(
      this.db.manager,
      'DELETE FROM org_data_keys WHERE org_id = $1 AND version < $2 RETURNING version',
      [orgId, version],
    );
    cipherOf(this.db).keys.forget(orgId);
    return rows.length;
  }

  /** How many orgs hold more than one data-key version (a rotation not yet finished). */
  async countRotating(): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      this.db.manager,
      'SELECT count(*)::int AS n FROM (SELECT org_id FROM org_data_keys GROUP BY org_id HAVING count(*) > 1) r',
    );
    return row!.n;
  }

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
