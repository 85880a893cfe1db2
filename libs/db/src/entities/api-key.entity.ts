import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') orgId!: string;
  /** The public part of `hg_<keyId>_<secret>`; only a SHA-256 hash of the secret is stored. */
  @Column('text') keyId!: string;
  @Column('bytea') secretHash!: Buffer;
  @Column('text') name!: string;
  @Column('text', { array: true }) scopes!: ApiKeyScope[];
  @Column('timestamptz', { nullable: true }) expiresAt!: Date | null;
  @Column('timestamptz', { nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamptz', { nullable: true }) revokedAt!: Date | null;
  /** Set by rotation: the key that replaces this one, which keeps working until `graceEndsAt`. */
  @Column('uuid', { nullable: true }) replacedBy!: string | null;
  @Column('timestamptz', { nullable: true }) graceEndsAt!: Date | null;
  /** The id of the key that minted this one, or "admin" (the operator token); null before it was recorded. */
  @Column('text', { nullable: true }) createdBy!: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt!: Date;
}
