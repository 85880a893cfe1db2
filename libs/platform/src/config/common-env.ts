import { parsePlans, type Plan } from '@hourglass/domain';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** Variables every service reads. Each app's Env extends this. */
export class CommonEnv {
  @Matches(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// URL' })
  DATABASE_URL!: string;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_MAX?: number;

  @IsOptional()
  @IsIn(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @IsInt()
  @Min(1_000)
  @Max(600_000)
  SHUTDOWN_GRACE_MS?: number;

  /** Set by the local launcher: private and loopback targets allowed, said at start-up. */
  @IsOptional()
  @IsIn(['true', 'false'])
  HOURGLASS_LOCAL_MODE?: string;

  @IsOptional()
  @IsString()
  HOURGLASS_INSTANCE?: string;

  /**
   * JSON: plan name → { tier, minScheduleIntervalMs, maxSchedules, tasksPerMonth, retentionDays }, added to free and
   * pro.
   */
  @IsOptional()
  @IsString()
  HOURGLASS_PLANS?: string;
}

export interface CommonConfig {
  db: { url: string; poolMax: number };
  log: { level: string };
  shutdownGraceMs: number;
  localMode: boolean;
  plans: Record<string, Plan>;
}

function plansFrom(json: string | undefined): Record<string, Plan> {
  try {
    return parsePlans(json);
  } catch (error) {
    throw new Error(`Invalid configuration:\n  HOURGLASS_PLANS: ${(error as Error).message}`);
  }
}

export function toCommonConfig(env: CommonEnv, defaultPoolMax = 10): CommonConfig {
  return {
    db: { url: env.DATABASE_URL, poolMax: env.DB_POOL_MAX ?? defaultPoolMax },
    log: { level: env.LOG_LEVEL ?? 'info' },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 30_000,
    localMode: env.HOURGLASS_LOCAL_MODE === 'true',
    plans: plansFrom(env.HOURGLASS_PLANS),
  };
}
