import type { DataSource, EntityManager } from 'typeorm';
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

  findById(id: string, em: EntityManager = this.db.manager): Promise<OrganizationEntity | null> {
    return em.findOneBy(OrganizationEntity, { id });
  }

  /** Sets the given settings; null when there is no such org. */
  async updateSettings(
    id: string,
    changes: Partial<Pick<OrganizationEntity, 'name' | 'plan' | 'retentionDays'>>,
  ): Promise<OrganizationEntity | null> {
    if (Object.keys(changes).length > 0) await this.db.manager.update(OrganizationEntity, { id }, changes);
    return this.findById(id);
  }
}
