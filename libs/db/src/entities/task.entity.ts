import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HttpMethod, TaskStatus } from '@hourglass/domain';

@Entity('tasks')
export class TaskEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') orgId!: string;
  @Column('text') status!: TaskStatus;
  @Column('text') url!: string;
  @Column('text') method!: HttpMethod;
  @Column('jsonb') headers!: Record<string, string>;
  @Column('text', { nullable: true }) body!: string | null;
  @Column('int') timeoutMs!: number;
  @Column('timestamptz') runAt!: Date;
  @Column('int') maxAttempts!: number;
  @Column('int') attemptCount!: number;
  @Column('jsonb') labels!: Record<string, string>;
  @Column('smallint') priority!: number;
  @Column('text', { nullable: true }) queue!: string | null;
  @Column('text', { nullable: true }) callbackUrl!: string | null;
  @Column('uuid', { nullable: true }) scheduleId!: string | null;
  @Column('timestamptz', { nullable: true }) fireAt!: Date | null;
  @Column('text', { nullable: true }) traceParent!: string | null;
  @Column('timestamptz') createdAt!: Date;
  @Column('timestamptz') updatedAt!: Date;
  @Column('timestamptz', { nullable: true }) finishedAt!: Date | null;
}
