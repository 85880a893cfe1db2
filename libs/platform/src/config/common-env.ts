import { readFileSync } from 'node:fs';
import { parseAllowList, parsePlans, type Plan } from '@hourglass/domain';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/** `v2:<base64>,v1:<base64>`: a versioned key ring. */
const KEY_RING = /^\s*[\w-]+:[A-Za-z0-9+/]+={0,2}\s*(,\s*[\w-]+:[A-Za-z0-9+/]+={0,2}\s*)*$/;
const KEY_RING_MESSAGE = { message: 'must be <version>:<base64 of 32 bytes>[,...]' };

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

  /**
   * The master key ring (docs/decisions/0014): the first version wraps new data keys, every version
   * unwraps, so the master key rotates by putting a new version first.
   */
  @IsOptional()
  @Matches(KEY_RING, KEY_RING_MESSAGE)
  HOURGLASS_MASTER_KEYS?: string;

  /** A file holding the value of HOURGLASS_MASTER_KEYS (a mounted secret), read at start-up. */
  @IsOptional()
  @IsString()
  HOURGLASS_MASTER_KEYS_FILE?: string;

  /** The former name of HOURGLASS_MASTER_KEYS (same format), read when neither of those is set. */
  @IsOptional()
  @Matches(KEY_RING, KEY_RING_MESSAGE)
  ENCRYPTION_KEYS?: string;

  /** BENCHMARK ONLY (`npm run bench`'s encryption-off comparison): "true" writes customer data unencrypted. */
  @IsOptional()
  @IsIn(['true', 'false'])
  HOURGLASS_BENCH_PLAINTEXT?: string;
}

export interface CommonConfig {
  db: { url: string; poolMax: number };
  log: { level: string };
  shutdownGraceMs: number;
  localMode: boolean;
  /** Non-public ranges targets may name: 'all' in local mode, else HOURGLASS_ALLOW_PRIVATE_TARGETS's. */
  privateTargets: readonly string[] | 'all';
  plans: Record<string, Plan>;
  /** The master key ring's spec (never logged). */
  masterKeys: string;
  /** False only in the benchmark's encryption-off comparison. */
  sealing: boolean;
}

function masterKeysFrom(env: CommonEnv): string {
  const invalid = (message: string) => new Error(`Invalid configuration:\n  HOURGLASS_MASTER_KEYS: ${message}`);
  if (env.HOURGLASS_MASTER_KEYS) return env.HOURGLASS_MASTER_KEYS;
  if (env.HOURGLASS_MASTER_KEYS_FILE) {
    const value = readFileSync(env.HOURGLASS_MASTER_KEYS_FILE, 'utf8').trim();
    if (!KEY_RING.test(value)) throw invalid(`the file HOURGLASS_MASTER_KEYS_FILE names ${KEY_RING_MESSAGE.message}`);
    return value;
  }
  if (env.ENCRYPTION_KEYS) return env.ENCRYPTION_KEYS;
  throw invalid('required (or HOURGLASS_MASTER_KEYS_FILE)');
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
    masterKeys: masterKeysFrom(env),
    sealing: env.HOURGLASS_BENCH_PLAINTEXT !== 'true',
  };
}
