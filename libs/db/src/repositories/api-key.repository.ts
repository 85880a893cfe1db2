import type { DataSource, EntityManager } from 'typeorm';
import { IsNull } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity.js';

export class ApiKeyRepository {
  constructor(private readonly db: DataSource) {}

  insert(
    row: Omit<ApiKeyEntity, 'createdAt' | 'lastUsedAt' | 'revokedAt'>,
    em: EntityManager = this.db.manager,
  ): Promise<ApiKeyEntity> {
    return em.save(ApiKeyEntity, em.create(ApiKeyEntity, row));
  }

  /** A usable key by its public id: not revoked, not expired (decided by the database clock). */
  async findActiveByKeyId(keyId: string): Promise<ApiKeyEntity | null> {
    return this.db.manager
      .createQueryBuilder(ApiKeyEntity, 'k')
      .where('k.key_id = :keyId AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())', { keyId })
      .getOne();
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

  /** Best effort, at most once a minute per key: last-used is a hint, not worth a write per request. */
  async touch(id: string): Promise<void> {
    await this.db.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }
}
