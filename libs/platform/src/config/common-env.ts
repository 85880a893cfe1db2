import { parseAllowList, parsePlans, type Plan } from '@hourglass/domain';
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

  /**
   * CIDR ranges or addresses opened for targets outside local mode, e.g. "10.0.0.0/8,192.168.1.0/24": the
   * gateway's create-time check and the dispatcher's connect-time guard both read it.
   */
  @IsOptional()
  @IsString()
  HOURGLASS_ALLOW_PRIVATE_TARGETS?: string;

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
  /** Non-public ranges targets may name: 'all' in local mode, else HOURGLASS_ALLOW_PRIVATE_TARGETS's. */
  privateTargets: readonly string[] | 'all';
  plans: Record<string, Plan>;
}

function privateTargetsFrom(localMode: boolean, value: string | undefined): readonly string[] | 'all' {
  if (localMode) return 'all';
  try {
    return parseAllowList(value);
  } catch (error) {
    throw new Error(`Invalid configuration:\n  HOURGLASS_ALLOW_PRIVATE_TARGETS: ${(error as Error).message}`);
  }
}

function plansFrom(json: string | undefined): Record<string, Plan> {
  try {
    return parsePlans(json);
  } catch (error) {
    throw new Error(`Invalid configuration:\n  HOURGLASS_PLANS: ${(error as Error).message}`);
  }
}

export function toCommonConfig(env: CommonEnv, defaultPoolMax = 10): CommonConfig {
  const localMode = env.HOURGLASS_LOCAL_MODE === 'true';
  return {
    db: { url: env.DATABASE_URL, poolMax: env.DB_POOL_MAX ?? defaultPoolMax },
    log: { level: env.LOG_LEVEL ?? 'info' },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS ?? 30_000,
    localMode,
    privateTargets: privateTargetsFrom(localMode, env.HOURGLASS_ALLOW_PRIVATE_TARGETS),
    plans: plansFrom(env.HOURGLASS_PLANS),
  };
}
