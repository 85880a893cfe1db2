import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { CommonEnv, toCommonConfig } from '@hourglass/platform';

export class SchedulerEnv extends CommonEnv {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  /** How often a standby tries to take leadership. */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(60_000)
  LEADER_RETRY_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(1_000)
  RETENTION_INTERVAL_MS?: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  RETENTION_BATCH_SIZE?: number;

  /**
   * How long after an org's data-key rotation its rows are re-sealed: longer than every process's
   * data-key cache (30 s), so that none still seals with the older version behind the walk.
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  DATA_KEY_SETTLE_MS?: number;

  /** An occurrence at most this old when the tick reaches it is on time; older ones were missed (missedRuns policy). */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  SCHEDULE_GRACE_MS?: number;

  /** Schedules claimed per transaction. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5_000)
  SCHEDULE_BATCH_SIZE?: number;

  /**
   * Batch transactions a tick runs at once (each takes a pooled connection: keep below DB_POOL_MAX).
   * Helps when the due schedules belong to many orgs; one org's batches queue on its usage row anyway.
   */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(16)
  SCHEDULE_PARALLEL?: number;

  /** Longest sleep between ticks when nothing is due sooner (NOTIFYs on schedule changes wake it earlier). */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(300_000)
  SCHEDULE_MAX_SLEEP_MS?: number;

  /**
   * How far ahead occurrences of `overlap: allow` schedules are prepared: their tasks and delayed
   * jobs are written before the fire time and released by pg-boss at it (docs/decisions/0007).
   */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  SCHEDULE_LOOKAHEAD_MS?: number;

  /** How soon a `queue` occurrence waiting for its previous run is checked again. */
  @IsOptional()
  @IsInt()
  @Min(50)
  @Max(60_000)
  SCHEDULE_RECHECK_MS?: number;

  /** A channel that got a message less than this long ago gets further events as one message when it ends. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  NOTIFICATION_GROUP_WINDOW_MS?: number;

  /** The fan-out's fallback poll when no NOTIFY arrives. */
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(300_000)
  NOTIFICATION_POLL_MS?: number;
}

export function toSchedulerConfig(env: SchedulerEnv) {
  return {
    ...toCommonConfig(env, 5),
    http: { port: env.PORT ?? 8081 },
    leader: { retryMs: env.LEADER_RETRY_MS ?? 2_000, checkMs: 5_000 },
    retention: {
      intervalMs: env.RETENTION_INTERVAL_MS ?? 600_000,
      batchSize: env.RETENTION_BATCH_SIZE ?? 1_000,
      dataKeySettleMs: env.DATA_KEY_SETTLE_MS ?? 60_000,
    },
    notifications: {
      groupWindowMs: env.NOTIFICATION_GROUP_WINDOW_MS ?? 30_000,
      pollMs: env.NOTIFICATION_POLL_MS ?? 5_000,
      batchSize: 500,
    },
    tick: {
      graceMs: env.SCHEDULE_GRACE_MS ?? 60_000,
      batchSize: env.SCHEDULE_BATCH_SIZE ?? 500,
      parallel: env.SCHEDULE_PARALLEL ?? 1,
      maxSleepMs: env.SCHEDULE_MAX_SLEEP_MS ?? 30_000,
      recheckMs: env.SCHEDULE_RECHECK_MS ?? 1_000,
      lookaheadMs: env.SCHEDULE_LOOKAHEAD_MS ?? 2_000,
    },
  };
}
export type SchedulerConfig = ReturnType<typeof toSchedulerConfig>;
