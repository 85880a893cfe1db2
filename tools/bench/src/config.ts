/** Everything a run can be tuned with, from the environment (all optional). */
export interface BenchConfig {
  /** Tasks pre-loaded for the delivery throughput phase (BENCH_TASKS). */
  tasks: number;
  /** autocannon connections and seconds for POST /v1/tasks (BENCH_API_CONNECTIONS, BENCH_API_SECONDS). */
  apiConnections: number;
  apiSeconds: number;
  /**
   * Tasks sent one at a time for the idle latency phase, and the gap between them (BENCH_LATENCY_TASKS,
   * BENCH_LATENCY_GAP_MS).
   */
  latencyTasks: number;
  latencyGapMs: number;
  /** Dispatcher defaults the baseline mirrors (DISPATCHER_CONCURRENCY / DISPATCHER_BATCH_SIZE in apps/dispatcher). */
  concurrency: number;
  batchSize: number;
  /** Longest any one phase may take before the run gives up on it (BENCH_PHASE_TIMEOUT_S). */
  phaseTimeoutMs: number;
  /** (d) schedules due in the same second, per-second schedules and for how long, and the task backlog meanwhile
   * (BENCH_SCHEDULE_BURST, BENCH_SCHEDULE_STEADY, BENCH_SCHEDULE_SECONDS, BENCH_SCHEDULE_BACKLOG). */
  scheduleBurst: number;
  scheduleSteady: number;
  scheduleSeconds: number;
  scheduleBacklog: number;
  /** (e) concurrent clients, tasks per POST /v1/tasks/batch, seconds (BENCH_BATCH_CLIENTS, _SIZE, _SECONDS). */
  batchClients: number;
  batchTasks: number;
  batchSeconds: number;
  /** Finished tasks (with attempts and completed jobs) seeded under a second (a) (BENCH_HISTORY; off when unset). */
  historyTasks?: number;
  /** Soak seconds (BENCH_SOAK_S; not in CI): run when set, with or without the other phases. */
  soakSeconds?: number;
  /** (g) heartbeat monitors, the silent subset, pings per second and for how long (BENCH_MONITORS,
   * BENCH_MONITORS_SILENT, BENCH_MONITOR_PING_RATE, BENCH_MONITOR_SECONDS). */
  monitors: number;
  monitorsSilent: number;
  monitorPingRate: number;
  monitorSeconds: number;
  /** Phases (BENCH_ONLY): comma list of throughput,api,batch,inbound,latency,schedules,monitors,scale; all but scale
   * when unset. */
  only: Set<string>;
  /** Use this server instead of an embedded one; a fresh database is created per phase. */
  databaseUrl?: string;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export function loadBenchConfig(): BenchConfig {
  const only = (process.env.BENCH_ONLY ?? 'throughput,api,batch,inbound,latency,schedules,monitors')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    tasks: int('BENCH_TASKS', 20_000),
    apiConnections: int('BENCH_API_CONNECTIONS', 50),
    apiSeconds: int('BENCH_API_SECONDS', 10),
    latencyTasks: int('BENCH_LATENCY_TASKS', 200),
    latencyGapMs: int('BENCH_LATENCY_GAP_MS', 20),
    scheduleBurst: int('BENCH_SCHEDULE_BURST', 1_000),
    scheduleSteady: int('BENCH_SCHEDULE_STEADY', 50),
    scheduleSeconds: int('BENCH_SCHEDULE_SECONDS', 20),
    scheduleBacklog: int('BENCH_SCHEDULE_BACKLOG', 20_000),
    batchClients: int('BENCH_BATCH_CLIENTS', 4),
    batchTasks: int('BENCH_BATCH_SIZE', 1_000),
    batchSeconds: int('BENCH_BATCH_SECONDS', 10),
    historyTasks: process.env.BENCH_HISTORY ? int('BENCH_HISTORY', 1) : undefined,
    soakSeconds: process.env.BENCH_SOAK_S ? int('BENCH_SOAK_S', 1) : undefined,
    monitors: int('BENCH_MONITORS', 10_000),
    monitorsSilent: int('BENCH_MONITORS_SILENT', 100),
    monitorPingRate: int('BENCH_MONITOR_PING_RATE', 500),
    monitorSeconds: int('BENCH_MONITOR_SECONDS', 30),
    concurrency: 200,
    batchSize: 100,
    phaseTimeoutMs: int('BENCH_PHASE_TIMEOUT_S', 180) * 1_000,
    only: new Set(only),
    databaseUrl: process.env.DATABASE_URL || undefined,
  };
}

/** The bench's own env vars that were set, for the report ("the exact command"). */
export function benchEnvUsed(): string[] {
  return Object.keys(process.env)
    .filter((k) => k.startsWith('BENCH_') || k === 'DATABASE_URL')
    .sort()
    .map((k) => (k === 'DATABASE_URL' ? 'DATABASE_URL=<set>' : `${k}=${process.env[k]}`));
}
