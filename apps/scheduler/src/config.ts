import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { CommonEnv, toCommonConfig } from '@hourglass/platform';

export class SchedulerEnv extends CommonEnv {
  @IsOptional() @IsInt() @Min(0) @Max(65535)
  PORT?: number;

  /** How often a standby tries to take leadership. */
  @IsOptional() @IsInt() @Min(100) @Max(60_000)
  LEADER_RETRY_MS?: number;

  @IsOptional() @IsInt() @Min(1_000)
  RETENTION_INTERVAL_MS?: number;

  @IsOptional() @IsInt() @Min(1) @Max(100_000)
  RETENTION_BATCH_SIZE?: number;
}

export function toSchedulerConfig(env: SchedulerEnv) {
  return {
    ...toCommonConfig(env, 5),
    http: { port: env.PORT ?? 8081 },
    leader: { retryMs: env.LEADER_RETRY_MS ?? 2_000, checkMs: 5_000 },
    retention: { intervalMs: env.RETENTION_INTERVAL_MS ?? 600_000, batchSize: env.RETENTION_BATCH_SIZE ?? 5_000 },
  };
}
export type SchedulerConfig = ReturnType<typeof toSchedulerConfig>;
