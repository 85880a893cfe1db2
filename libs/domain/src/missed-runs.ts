/** What happens to occurrences that passed while no scheduler could fire them. */
export const MISSED_RUN_POLICIES = ['skip', 'runOnce', 'runAll'] as const;
export type MissedRunPolicy = (typeof MISSED_RUN_POLICIES)[number];

export const OVERLAP_POLICIES = ['allow', 'skip', 'queue'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Most missed occurrences `runAll` fires after a downtime; the rest are recorded as skipped. */
export const RUN_ALL_CAP = 100;

export type SkipReason = 'missed' | 'cap' | 'overlap' | 'quota' | 'paused';

export interface OccurrencePlan {
  fire: Date[];
  /** Skipped occurrences, oldest first. */
  skipped: { fireAt: Date; reason: SkipReason }[];
}

/**
 * Splits due occurrences (oldest first) into those to fire and those to record as skipped. An
 * occurrence within `graceMs` of now is on time and always fires; older ones were missed during a
 * downtime and follow the policy: `skip` none, `runOnce` the latest, `runAll` all up to the cap.
 */
export function planOccurrences(
  due: Date[],
  policy: MissedRunPolicy,
  now: Date,
  graceMs: number,
  cap = RUN_ALL_CAP,
): OccurrencePlan {
  const onTime = due.filter((d) => now.getTime() - d.getTime() <= graceMs);
  const missed = due.filter((d) => now.getTime() - d.getTime() > graceMs);
  const skip = (dates: Date[], reason: SkipReason) => dates.map((fireAt) => ({ fireAt, reason }));
  switch (policy) {
    case 'skip':
      return { fire: onTime, skipped: skip(missed, 'missed') };
    case 'runOnce':
      return missed.length === 0
        ? { fire: onTime, skipped: [] }
        : { fire: [missed[missed.length - 1]!, ...onTime], skipped: skip(missed.slice(0, -1), 'missed') };
    case 'runAll': {
      const fired = missed.slice(-cap);
      return { fire: [...fired, ...onTime], skipped: skip(missed.slice(0, missed.length - fired.length), 'cap') };
    }
  }
}
