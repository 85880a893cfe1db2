import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { HttpMethod, MissedRunPolicy, OverlapPolicy } from '@hourglass/domain';
import type { NotifyOverride } from '../notifications/notification-events.js';

/** bigint columns come back from pg as strings; these are all far below 2^53. */
const bigintAsNumber = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

@Entity('schedules')
export class ScheduleEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') orgId!: string;
  @Column('text') name!: string;
  @Column('text', { nullable: true }) cron!: string | null;
  @Column('bigint', { nullable: true, transformer: bigintAsNumber }) intervalMs!: number | null;
  @Column('text') timezone!: string;
  /** Sealed in the database (bytea, docs/decisions/0014); the repositories hand it out opened. */
  @Column('bytea') url!: string;
  @Column('text') method!: HttpMethod;
  @Column('bytea') headers!: Record<string, string>;
  @Column('bytea', { nullable: true }) body!: string | null;
  @Column('int') timeoutMs!: number;
  @Column('int') maxAttempts!: number;
  @Column('jsonb') labels!: Record<string, string>;
  @Column('smallint') priority!: number;
  @Column('text') missedRuns!: MissedRunPolicy;
  @Column('text') overlap!: OverlapPolicy;
  @Column('boolean') enabled!: boolean;
  @Column('timestamptz', { nullable: true }) nextRunAt!: Date | null;
  /** The shortest gap between fire times: the plan's minimum interval and dispatch priority use it. */
  @Column('bigint', { transformer: bigintAsNumber }) shortestIntervalMs!: number;
  @Column('timestamptz', { nullable: true }) lastFireAt!: Date | null;
  @Column('int') version!: number;
  @Column('timestamptz') createdAt!: Date;
  @Column('timestamptz') updatedAt!: Date;
  /** Who hears of its failures and recovery: null the org's default channels, 'none' nobody. */
  @Column('jsonb', { nullable: true }) notify!: NotifyOverride;
}

@Entity('schedule_versions')
export class ScheduleVersionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') scheduleId!: string;
  @Column('uuid') orgId!: string;
  @Column('int') version!: number;
  /** created | updated | paused | resumed */
  @Column('text') change!: string;
  /** Sealed in the database (bytea, docs/decisions/0014); the repositories hand it out opened. */
  @Column('bytea') snapshot!: Record<string, unknown>;
  @Column('timestamptz') createdAt!: Date;
}

/** What the scheduler did with one occurrence: fired it (with its task) or skipped it, and why. */
@Entity('schedule_occurrences')
export class ScheduleOccurrenceEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid') scheduleId!: string;
  @Column('uuid') orgId!: string;
  @Column('timestamptz') fireAt!: Date;
  @Column('text') outcome!: 'fired' | 'skipped';
  @Column('text', { nullable: true }) reason!: string | null;
  @Column('uuid', { nullable: true }) taskId!: string | null;
  /** A skipped row may stand for several occurrences (a long downtime of a frequent schedule). */
  @Column('int') skippedCount!: number;
  @Column('int', { nullable: true }) latenessMs!: number | null;
  @Column('timestamptz') createdAt!: Date;
}
