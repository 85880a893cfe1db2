import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../sql.js';

/** One of an org's signing secrets, still sealed. `active`: it signs now (decided by the database clock). */
export interface SigningSecretRow {
  id: string;
  orgId: string;
  sealed: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  active: boolean;
}

/** An org's active sealed secrets, newest first, and when the set next changes on its own (an overlap ends). */
export interface ActiveSigningSecrets {
  sealed: string[];
  /** Milliseconds until the soonest `expires_at` among them (database time), or null when none expires. */
  changesInMs: number | null;
}

const ACTIVE = `s.revoked_at IS NULL AND (s.expires_at IS NULL OR s.expires_at > now())`;
const COLUMNS = `s.id, s.org_id AS "orgId", s.sealed, s.created_at AS "createdAt", s.expires_at AS "expiresAt",
  s.revoked_at AS "revokedAt", (${ACTIVE}) AS active`;

/**
 * `org_signing_secrets`: the newest active secret signs; older ones keep signing until revoked or until
 * their overlap ends (`expires_at`). Changes lock the org row, so concurrent rotations of one org
 * serialise, and they keep the legacy `organizations.signing_secrets` array equal to the active set
 * (N-1 dispatchers still read it).
 */
export class SigningSecretRepository {
  constructor(private readonly db: DataSource) {}

  /** Every secret of the org, newest first; bounded by `limit` (revoked ones included). */
  listForOrg(orgId: string, limit = 100): Promise<SigningSecretRow[]> {
    return queryRows<SigningSecretRow>(
      this.db.manager,
      `SELECT ${COLUMNS} FROM org_signing_secrets s WHERE s.org_id = $1 ORDER BY s.created_at DESC, s.id DESC LIMIT $2`,
      [orgId, limit],
    );
  }

  /**
   * Adds a secret that signs from now on; every currently active one keeps signing for at most
   * `overlapMs` more (an earlier expiry is kept). Null when there is no such org.
   */
  async rotate(
    orgId: string,
    id: string,
    sealed: string,
    overlapMs: number,
    em: EntityManager,
  ): Promise<SigningSecretRow | null> {
    if (!(await this.lockOrg(orgId, em))) return null;
    await queryRows(
      em,
      `UPDATE org_signing_secrets s SET expires_at = LEAST(s.expires_at, now() + $2 * interval '1 millisecond')
        WHERE s.org_id = $1 AND ${ACTIVE} RETURNING s.id`,
      [orgId, overlapMs],
    );
    const [row] = await queryRows<SigningSecretRow>(
      em,
      `INSERT INTO org_signing_secrets AS s (id, org_id, sealed, created_at) VALUES ($1, $2, $3, clock_timestamp())
       RETURNING ${COLUMNS}`,
      [id, orgId, sealed],
    );
    await this.syncLegacyArray(orgId, em);
    return row!;
  }

  /**
   * Revokes one secret, unless it is the newest active one (the org would have none left to sign
   * with): 'newest'. 'missing' when the org has no such unrevoked secret.
   */
  async revoke(orgId: string, id: string, em: EntityManager): Promise<SigningSecretRow | 'missing' | 'newest'> {
    if (!(await this.lockOrg(orgId, em))) return 'missing';
    const newest = await this.newestActiveId(orgId, em);
    if (newest === id) return 'newest';
    const [row] = await queryRows<SigningSecretRow>(
      em,
      `UPDATE org_signing_secrets s SET revoked_at = now() WHERE s.org_id = $1 AND s.id = $2 AND s.revoked_at IS NULL
       RETURNING ${COLUMNS}`,
      [orgId, id],
    );
    if (row) await this.syncLegacyArray(orgId, em);
    return row ?? 'missing';
  }

  /** Revokes every secret but the newest active one; returns those revoked. */
  async revokeAllButNewest(orgId: string, em: EntityManager): Promise<SigningSecretRow[]> {
    if (!(await this.lockOrg(orgId, em))) return [];
    const newest = await this.newestActiveId(orgId, em);
    const rows = await queryRows<SigningSecretRow>(
      em,
      `UPDATE org_signing_secrets s SET revoked_at = now()
        WHERE s.org_id = $1 AND s.revoked_at IS NULL AND s.id IS DISTINCT FROM $2 RETURNING ${COLUMNS}`,
      [orgId, newest],
    );
    if (rows.length > 0) await this.syncLegacyArray(orgId, em);
    return rows;
  }

  /** Active sealed secrets for many orgs in one query (the dispatcher signs a whole batch). */
  async activeForOrgs(orgIds: string[]): Promise<Map<string, ActiveSigningSecrets>> {
    const rows = await queryRows<{ orgId: string; sealed: string[]; changesInMs: string | null }>(
      this.db.manager,
      `SELECT s.org_id AS "orgId", array_agg(s.sealed ORDER BY s.created_at DESC, s.id DESC) AS sealed,
              ceil(extract(epoch FROM min(s.expires_at) - now()) * 1000) AS "changesInMs"
         FROM org_signing_secrets s WHERE s.org_id = ANY($1::uuid[]) AND ${ACTIVE} GROUP BY s.org_id`,
      [orgIds],
    );
    return new Map(
      rows.map((r) => [
        r.orgId,
        { sealed: r.sealed, changesInMs: r.changesInMs === null ? null : Number(r.changesInMs) },
      ]),
    );
  }

  /** How many of the org's secrets sign now, with the org locked (as a change does) so the count holds until commit. */
  async countActiveLocked(orgId: string, em: EntityManager): Promise<number> {
    await this.lockOrg(orgId, em);
    const [row] = await queryRows<{ active: number }>(
      em,
      `SELECT count(*)::int AS active FROM org_signing_secrets s WHERE s.org_id = $1 AND ${ACTIVE}`,
      [orgId],
    );
    return row!.active;
  }

  private async lockOrg(orgId: string, em: EntityManager): Promise<boolean> {
    return (await queryRows(em, 'SELECT 1 FROM organizations WHERE id = $1 FOR UPDATE', [orgId])).length > 0;
  }

  private async newestActiveId(orgId: string, em: EntityManager): Promise<string | null> {
    const [row] = await queryRows<{ id: string }>(
      em,
      `SELECT s.id FROM org_signing_secrets s WHERE s.org_id = $1 AND ${ACTIVE} ORDER BY s.created_at DESC, s.id DESC LIMIT 1`,
      [orgId],
    );
    return row?.id ?? null;
  }

  private async syncLegacyArray(orgId: string, em: EntityManager): Promise<void> {
    await queryRows(
      em,
      `UPDATE organizations o SET signing_secrets = ARRAY(
         SELECT s.sealed FROM org_signing_secrets s WHERE s.org_id = o.id AND ${ACTIVE} ORDER BY s.created_at DESC, s.id DESC)
        WHERE o.id = $1 RETURNING o.id`,
      [orgId],
    );
  }
}
