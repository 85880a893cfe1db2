/** A plan is configuration: the limits an org on it gets, and its dispatch tier (higher first). */
export interface Plan {
  tier: number;
  minScheduleIntervalMs: number;
  maxSchedules: number;
  tasksPerMonth: number;
  retentionDays: number;
  /** How long audit log entries are kept (docs/decisions/0016); independent of `retentionDays`. */
  auditRetentionDays: number;
  /** API requests each key may make per rate-limit window (0: no limit). */
  rateLimitPerKey: number;
  /** API requests all of an org's keys together may make per window (0: no limit). */
  rateLimitPerOrg: number;
  rateLimitWindowSeconds: number;
  /** Monitors an org may have; a plan that names none allows as many as its `maxSchedules`. */
  maxMonitors?: number;
}

export const DEFAULT_PLANS: Readonly<Record<string, Plan>> = {
  free: {
    tier: 1,
    minScheduleIntervalMs: 60_000,
    maxSchedules: 20,
    maxMonitors: 20,
    tasksPerMonth: 100_000,
    retentionDays: 7,
    auditRetentionDays: 30,
    rateLimitPerKey: 100,
    rateLimitPerOrg: 200,
    rateLimitWindowSeconds: 1,
  },
  pro: {
    tier: 2,
    minScheduleIntervalMs: 1_000,
    maxSchedules: 10_000,
    maxMonitors: 10_000,
    tasksPerMonth: 100_000_000,
    retentionDays: 30,
    auditRetentionDays: 365,
    rateLimitPerKey: 1_000,
    rateLimitPerOrg: 5_000,
    rateLimitWindowSeconds: 1,
  },
};

/** An operator plan that names no audit retention keeps entries this long (a year: audits ask for one). */
const DEFAULT_AUDIT_RETENTION_DAYS = 365;

const PLAN_KEYS: (keyof Plan)[] = [
  'tier',
  'minScheduleIntervalMs',
  'maxSchedules',
  'tasksPerMonth',
  'retentionDays',
  'auditRetentionDays',
];
/** Optional in HOURGLASS_PLANS (plans written before rate limits existed): omitted, they are free's. */
const RATE_LIMIT_KEYS = ['rateLimitPerKey', 'rateLimitPerOrg', 'rateLimitWindowSeconds'] as const;

/**
 * The default plans plus operator-defined ones from `HOURGLASS_PLANS` (a JSON object of name → Plan;
 * a name that exists replaces the default; `auditRetentionDays` may be left out, as configs older
 * than it do). Throws with the offending plan and field.
 */
export function parsePlans(json: string | undefined): Record<string, Plan> {
  if (!json) return { ...DEFAULT_PLANS };
  const given = JSON.parse(json) as Record<string, Partial<Plan>>;
  const plans: Record<string, Plan> = { ...DEFAULT_PLANS };
  for (const [name, fields] of Object.entries(given)) {
    const plan = { auditRetentionDays: DEFAULT_AUDIT_RETENTION_DAYS, ...fields };
    for (const key of PLAN_KEYS) {
      const value = plan[key];
      if (!Number.isInteger(value) || (value as number) < 0)
        throw new Error(`plan "${name}": ${key} must be a non-negative integer`);
    }
    if (plan.maxMonitors !== undefined && (!Number.isInteger(plan.maxMonitors) || plan.maxMonitors < 0))
      throw new Error(`plan "${name}": maxMonitors must be a non-negative integer`);
    const limits = Object.fromEntries(RATE_LIMIT_KEYS.map((key) => [key, plan[key] ?? DEFAULT_PLANS.free![key]]));
    for (const key of RATE_LIMIT_KEYS) {
      const min = key === 'rateLimitWindowSeconds' ? 1 : 0;
      if (!Number.isInteger(limits[key]) || limits[key]! < min)
        throw new Error(`plan "${name}": ${key} must be an integer ≥ ${min}`);
    }
    plans[name] = { ...plan, ...limits } as Plan;
  }
  return plans;
}

/**
 * The pg-boss priority of a delivery job (higher is fetched first): plan tier first, then how often
 * the creating schedule fires (a minute cron before a daily one; one-off tasks count as frequent),
 * then the task's own priority (1–10). Equal priorities are fetched oldest first.
 */
export function jobPriority(tier: number, scheduleIntervalMs: number | null, taskPriority: number): number {
  const frequency =
    scheduleIntervalMs === null
      ? 9
      : Math.max(0, 9 - Math.floor(Math.log10(Math.max(1, scheduleIntervalMs / 1_000)) * 2));
  return tier * 1_000 + frequency * 10 + Math.min(9, Math.max(0, taskPriority - 1));
}

/**
 * The limits of an org's plan. An org whose plan was since removed from HOURGLASS_PLANS gets
 * `free` rather than failing every request: the operator's fix is to re-add the plan or move the org.
 */
export function planFor(plans: Readonly<Record<string, Plan>>, name: string): Plan {
  return plans[name] ?? plans['free'] ?? DEFAULT_PLANS['free']!;
}
