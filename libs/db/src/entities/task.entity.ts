import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HttpMethod, TaskStatus } from '@hourglass/domain';

export type TaskKind = 'task' | 'callback' | 'notification';

@Entity('tasks')
export class TaskEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') orgId!: string;
  @Column('text') status!: TaskStatus;
  /** Sealed in the database (bytea, docs/decisions/0014); the repositories hand it out opened. */
  @Column('bytea') url!: string;
  @Column('text') method!: HttpMethod;
  @Column('bytea') headers!: Record<string, string>;
  @Column('bytea', { nullable: true }) body!: string | null;
  @Column('int') timeoutMs!: number;
  @Column('timestamptz') runAt!: Date;
  @Column('int') maxAttempts!: number;
  @Column('int') attemptCount!: number;
  @Column('jsonb') labels!: Record<string, string>;
  @Column('smallint') priority!: number;
  @Column('text', { nullable: true }) queue!: string | null;
  @Column('bytea', { nullable: true }) callbackUrl!: string | null;
  @Column('uuid', { nullable: true }) scheduleId!: string | null;
  @Column('timestamptz', { nullable: true }) fireAt!: Date | null;
  @Column('text', { nullable: true }) traceParent!: string | null;
  @Column('timestamptz') createdAt!: Date;
  @Column('timestamptz') updatedAt!: Date;
  @Column('timestamptz', { nullable: true }) finishedAt!: Date | null;
  @Column('int') version!: number;
  /** The task's current delivery job; null when written by code that does not track it. */
  @Column('uuid', { nullable: true }) jobId!: string | null;
  /** null: any 2xx. */
  @Column('smallint', { array: true, nullable: true }) expectedStatusCodes!: number[] | null;
  @Column('text', { nullable: true }) expectedBodyPattern!: string | null;
  @Column('boolean', { name: 'retry_on_4xx' }) retryOn4xx!: boolean;
  /** attempt_count when last replayed: the retry budget counts from here. */
  @Column('int') attemptOffset!: number;
  /**
   * 'callback': created by the dispatcher to report a finished task to its callback URL (never has callbacks itself).
   */
  @Column('text') kind!: TaskKind;
  /** For a callback: the task it reports on. */
  @Column('uuid', { nullable: true }) parentTaskId!: string | null;
  /** Receives the outcome only when the task failed after its retries (callbackUrl receives every outcome). */
  @Column('bytea', { nullable: true }) failureCallbackUrl!: string | null;
  /** For a named-queue task: when a dispatcher admitted it (gave it its job); null while it waits. */
  @Column('timestamptz', { nullable: true }) queueAdmittedAt!: Date | null;
}
