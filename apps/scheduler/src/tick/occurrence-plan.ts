import { isFinished, planOccurrences, RUN_ALL_CAP, type SkipReason } from '@hourglass/domain';
import type { DueSchedule } from '@hourglass/db';
import { dueOccurrences, timingOf, type FireTimes } from './due-occurrences.js';

export interface Skip {
  fireAt: Date;
  reason: SkipReason;
  count: number;
}

/** What one tick does with one claimed schedule. */
export interface SchedulePlan {
  schedule: DueSchedule;
  fire: Date[];
  skipped: Skip[];
  nextRunAt: Date | null;
}

/** Most occurrences inside the grace window one plan enumerates (a per-second schedule has 60 in 60 s). */
const MAX_ON_TIME = 1_000;

/**
 * Plans one claimed schedule at the database's `now`: the missed-run policy (planOccurrences)
 * first, then the overlap policy. A `queue` schedule fires one occurrence and keeps next_run_at on
 * the next due one, which the claim then holds back until this run finished.
 */
export function planSchedule(schedule: DueSchedule, graceMs: number, times: FireTimes, lookaheadMs = 0): SchedulePlan {
  const now = schedule.dbNow;
  // `allow` schedules are prepared ahead: occurrences up to the horizon fire (their jobs wait for fire_at).
  const horizon = schedule.overlap === 'allow' ? new Date(now.getTime() + lookaheadMs) : now;
  const onTime = Math.min(
    MAX_ON_TIME,
    Math.ceil((graceMs + lookaheadMs) / Math.max(1, schedule.shortestIntervalMs)) + 1,
  );
  const { due, gap, next } = dueOccurrences(
    timingOf(schedule),
    schedule.nextRunAt,
    horizon,
    RUN_ALL_CAP + onTime,
    times,
  );
  // An occurrence a `queue` schedule held back while its previous run was busy was deferred, not
  // missed: it fires however late, with its own fire time.
  const deferred =
    schedule.overlap === 'queue' &&
    gap === null &&
    schedule.previousFinishedAt !== null &&
    schedule.previousFinishedAt > schedule.nextRunAt;
  const planned = planOccurrences(deferred ? due.slice(1) : due, schedule.missedRuns, now, graceMs);
  const fire = deferred ? [due[0]!, ...planned.fire] : planned.fire;
  const skipped: Skip[] = planned.skipped.map((s) => ({ ...s, count: 1 }));
  if (gap)
    skipped.unshift({
      fireAt: gap.fireAt,
      reason: schedule.missedRuns === 'runAll' ? 'cap' : 'missed',
      count: gap.count,
    });
  return applyOverlap({ schedule, fire, skipped, nextRunAt: next });
}

function applyOverlap(plan: SchedulePlan): SchedulePlan {
  const { schedule, fire } = plan;
  if (schedule.overlap === 'allow' || fire.length === 0) return plan;
  if (schedule.overlap === 'skip') {
    const busy = schedule.previousStatus !== null && !isFinished(schedule.previousStatus);
    const overlapping = busy ? fire : fire.slice(1);
    return {
      ...plan,
      fire: busy ? [] : fire.slice(0, 1),
      skipped: sortByFireAt([
        ...plan.skipped,
        ...overlapping.map((fireAt) => ({ fireAt, reason: 'overlap' as const, count: 1 })),
      ]),
    };
  }
  const waiting = fire[1];
  if (!waiting) return plan;
  return {
    ...plan,
    fire: fire.slice(0, 1),
    skipped: plan.skipped.filter((s) => s.fireAt < waiting),
    nextRunAt: waiting,
  };
}

const sortByFireAt = (skips: Skip[]) => skips.sort((a, b) => a.fireAt.getTime() - b.fireAt.getTime());

/** Moves the fires beyond an org's remaining monthly quota to skipped ('quota'), oldest fire first. */
export function applyQuota(plans: SchedulePlan[], remaining: Map<string, number>): void {
  const fires = plans
    .flatMap((plan) => plan.fire.map((fireAt) => ({ plan, fireAt })))
    .sort((a, b) => a.fireAt.getTime() - b.fireAt.getTime());
  const refused = new Set<{ plan: SchedulePlan; fireAt: Date }>();
  for (const fire of fires) {
    const left = remaining.get(fire.plan.schedule.orgId) ?? 0;
    if (left > 0) remaining.set(fire.plan.schedule.orgId, left - 1);
    else refused.add(fire);
  }
  for (const { plan, fireAt } of refused) {
    plan.fire = plan.fire.filter((f) => f !== fireAt);
    plan.skipped.push({ fireAt, reason: 'quota', count: 1 });
  }
  for (const plan of plans) sortByFireAt(plan.skipped);
}
