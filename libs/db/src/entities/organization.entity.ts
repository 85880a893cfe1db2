import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity('organizations')
export class OrganizationEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text') plan!: string;
  @Column('int') retentionDays!: number;
  /**
   * Sealed (KeyRing) signing secrets, newest first. Written at creation (a trigger copies them into
   * `org_signing_secrets`, the source of truth); kept equal to the active set for N-1 services only.
   */
  @Column('text', { array: true }) signingSecrets!: string[];
  /** Set when the org was deleted (crypto-shredded): the row is its tombstone until its data is purged. */
  @Column('timestamptz', { nullable: true }) deletedAt!: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt!: Date;
}
