import { queryRows } from '../sql.js';
import type { DataSource, EntityManager } from 'typeorm';
import { IsNull } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity.js';

export type NewApiKeyRow = Omit<ApiKeyEntity, 'createdAt' | 'lastUsedAt' | 'revokedAt' | 'replacedBy' | 'graceEndsAt'>;

export class ApiKeyRepository {
  constructor(private readonly db: DataSource) {}

  insert(row: NewApiKeyRow, em: EntityManager = this.db.manager): Promise<ApiKeyEntity> {
    return em.save(ApiKeyEntity, em.create(ApiKeyEntity, { replacedBy: null, graceEndsAt: null, ...row }));
  }

  /** A usable key by its public id: not revoked, not expired, not past a rotation's grace (by the database clock). */
  async findActiveByKeyId(keyId: string): Promise<ApiKeyEntity | null> {
    return this.db.manager
      .createQueryBuilder(ApiKeyEntity, 'k')
      .where(
        `k.key_id = :keyId AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
         AND (k.grace_ends_at IS NULL OR k.grace_ends_at > now())`,
        { keyId },
      )
      .getOne();
  }

  /** Any key of the org, revoked or not, and whether it has expired by the database clock. */
  async findAnyForOrg(orgId: string, id: string): Promise<{ row: ApiKeyEntity; expired: boolean } | null> {
    const row = await this.db.manager.findOneBy(ApiKeyEntity, { orgId, id });
    if (!row) return null;
    const [{ expired }] = (await this.db.query(
      'SELECT revoked_at IS NOT NULL OR coalesce(expires_at <= now(), false) AS expired FROM api_keys WHERE id = $1',
      [id],
    )) as [{ expired: boolean }];
    return { row, expired };
  }

  /**
   * Rotation in one transaction: the old key is marked replaced (with its grace end) only if it is still
   * usable and not yet rotated, so of two concurrent rotations one wins; the replacement is inserted
   * only then. Returns undefined when the old key was no longer rotatable.
   */
  async rotate(
    orgId: string,
    id: string,
    graceSeconds: number,
    replacement: NewApiKeyRow,
    /** Runs in the rotation's transaction once both rows are written (the audit entries). */
    rotated: (em: EntityManager, old: ApiKeyEntity, replacement: ApiKeyEntity) => Promise<void> = async () => undefined,
  ): Promise<{ old: ApiKeyEntity; replacement: ApiKeyEntity } | undefined> {
    return this.db.transaction(async (em) => {
      const result = await em
        .createQueryBuilder()
        .update(ApiKeyEntity)
        .set({ replacedBy: replacement.id, graceEndsAt: () => 'now() + make_interval(secs => :graceSeconds)' })
        .where(
          `org_id = :orgId AND id = :id AND replaced_by IS NULL AND revoked_at IS NULL
           AND (expires_at IS NULL OR expires_at > now())`,
          { orgId, id, graceSeconds },
        )
        .execute();
      if ((result.affected ?? 0) === 0) return undefined;
      const saved = await this.insert(replacement, em);
      const old = await em.findOneByOrFail(ApiKeyEntity, { id });
      await rotated(em, old, saved);
      return { old, replacement: saved };
    });
  }

  listForOrg(orgId: string): Promise<ApiKeyEntity[]> {
    return this.db.manager.find(ApiKeyEntity, { where: { orgId, revokedAt: IsNull() }, order: { id: 'DESC' } });
  }

  findForOrg(orgId: string, id: string): Promise<ApiKeyEntity | null> {
    return this.db.manager.findOneBy(ApiKeyEntity, { orgId, id, revokedAt: IsNull() });
  }

  async revoke(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<boolean> {
    const result = await em.update(ApiKeyEntity, { orgId, id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Revoking a rotation's replacement aborts the rotation: the key it replaced stops now rather than at
   * its grace end (docs/decisions/0015). The ids whose grace was cut short.
   */
  async endGraceOfReplaced(orgId: string, replacementId: string, em: EntityManager): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      em,
      `UPDATE api_keys SET grace_ends_at = now()
        WHERE org_id = $1 AND replaced_by = $2 AND revoked_at IS NULL AND grace_ends_at > now() RETURNING id`,
      [orgId, replacementId],
    );
    return rows.map((row) => row.id);
  }

  /** Best effort, at most once a minute per key: last-used is a hint, not worth a write per request. */
  async touch(id: string): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
