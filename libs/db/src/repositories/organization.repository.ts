import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { queryRows } from '../sql.js';
import { OrganizationEntity } from '../entities/organization.entity.js';

export class OrganizationRepository {
  constructor(private readonly db: DataSource) {}

  insert(
    row: Pick<OrganizationEntity, 'id' | 'name' | 'plan' | 'retentionDays' | 'signingSecrets'>,
    em: EntityManager = this.db.manager,
  ) {
    return em.save(OrganizationEntity, em.create(OrganizationEntity, row));
  }

  /** Each org's plan name, read without locking (the dispatch tier of a batch of new jobs). */
  async plansOf(orgIds: string[], em: EntityManager = this.db.manager): Promise<Map<string, string>> {
    const rows: { id: string; plan: string }[] = await em.query(
      'SELECT id, plan FROM organizations WHERE id = ANY($1::uuid[])',
      [orgIds],
    );
    return new Map(rows.map((row) => [row.id, row.plan]));
  }

  /** A live org (a deleted one is not found). */
  findById(id: string, em: EntityManager = this.db.manager): Promise<OrganizationEntity | null> {
    return em.findOneBy(OrganizationEntity, { id, deletedAt: IsNull() });
  }

  /**
   * Crypto-shreds an org in `em`'s transaction (docs/decisions/0014): marks it deleted, destroys
   * its data keys (every sealed value of it is unreadable from commit on) and signing secrets, and
   * revokes its API keys.
   * Its rows stay until the scheduler purges them. False when there is no such live org.
   */
  async markDeleted(id: string, em: EntityManager): Promise<boolean> {
    const marked = await queryRows(
      em,
      'UPDATE organizations SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id',
      [id],
    );
    if (marked.length === 0) return false;
    await queryRows(em, 'DELETE FROM org_data_keys WHERE org_id = $1 RETURNING version', [id]);
    // Signing secrets are sealed by the master ring, not the data key: destroyed here too (a handful of rows).
    await queryRows(em, 'DELETE FROM org_signing_secrets WHERE org_id = $1 RETURNING id', [id]);
    await queryRows(em, "UPDATE organizations SET signing_secrets = '{}' WHERE id = $1 RETURNING id", [id]);
    // The operator's replies about it (its API keys, its creation with the whsec_): a handful of rows.
    await queryRows(em, "DELETE FROM idempotency_keys WHERE scope = 'admin' AND org_id = $1 RETURNING key", [id]);
    await queryRows(
      em,
      'UPDATE api_keys SET revoked_at = now() WHERE org_id = $1 AND revoked_at IS NULL RETURNING id',
      [id],
    );
    // Its monitors stop being evaluated at once (their rows are unreadable now, and purged later).
    await queryRows(em, 'UPDATE monitors SET next_deadline_at = NULL WHERE org_id = $1 RETURNING id', [id]);
    return true;
  }

  /** Sets the given settings; null when there is no such org. */
  async updateSettings(
    id: string,
    changes: Partial<Pick<OrganizationEntity, 'name' | 'plan' | 'retentionDays'>>,
    em: EntityManager = this.db.manager,
  ): Promise<OrganizationEntity | null> {
    if (Object.keys(changes).length > 0) await em.update(OrganizationEntity, { id, deletedAt: IsNull() }, changes);
    return this.findById(id, em);
  }
}
