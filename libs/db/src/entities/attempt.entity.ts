import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveryOutcome } from '@hourglass/domain';

@Entity('attempts')
export class AttemptEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') taskId!: string;
  @Column('uuid') orgId!: string;
  @Column('int') number!: number;
  @Column('text') outcome!: DeliveryOutcome;
  @Column('int', { nullable: true }) statusCode!: number | null;
  @Column('int') durationMs!: number;
  @Column('jsonb', { nullable: true }) responseHeaders!: Record<string, string> | null;
  /** Sealed in the database (bytea, docs/decisions/0014); the repositories hand it out opened. */
  @Column('bytea', { nullable: true }) responseBody!: string | null;
  @Column('boolean') responseTruncated!: boolean;
  @Column('bytea', { nullable: true }) error!: string | null;
  @Column('timestamptz') startedAt!: Date;
  @Column('timestamptz') finishedAt!: Date;
}
