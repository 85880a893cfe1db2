import type { DataSource, EntityManager } from 'typeorm';
import { OrganizationEntity } from '../entities/organization.entity.js';

export class OrganizationRepository {
  constructor(private readonly db: DataSource) {}

  insert(row: Pick<OrganizationEntity, 'id' | 'name' | 'plan' | 'retentionDays' | 'signingSecrets'>, em: EntityManager = this.db.manager) {
    return em.save(OrganizationEntity, em.create(OrganizationEntity, row));
  }

  findById(id: string, em: EntityManager = this.db.manager): Promise<OrganizationEntity | null> {
    return em.findOneBy(OrganizationEntity, { id });
  }

  /** Sets the given settings; null when there is no such org. */
  async updateSettings(id: string, changes: Partial<Pick<OrganizationEntity, 'name' | 'plan' | 'retentionDays'>>): Promise<OrganizationEntity | null> {
    if (Object.keys(changes).length > 0) await this.db.manager.update(OrganizationEntity, { id }, changes);
    return this.findById(id);
  }

  /** Sealed signing secrets for many orgs at once (the dispatcher signs a whole batch). */
  async signingSecrets(orgIds: string[]): Promise<Map<string, string[]>> {
    const rows: { id: string; signing_secrets: string[] }[] = await this.db.query(
      'SELECT id, signing_secrets FROM organizations WHERE id = ANY($1::uuid[])',
      [orgIds],
    );
    return new Map(rows.map((row) => [row.id, row.signing_secrets]));
  }
}
