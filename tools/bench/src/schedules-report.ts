import type { Row } from './report.js';
import type { LatenessFigures, SchedulesResult } from './schedules.js';

const ms = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })} ms`;
const pair = (p: { p50: number; p99: number }) => `${ms(p.p50)} / ${ms(p.p99)}`;
const info = (figure: string, value: string): Row => ({ figure, value, target: '', status: 'info' });

export function scheduleRows(result: SchedulesResult | undefined, error: string | undefined): Row[] {
  if (error)
    return [{ figure: '(d) schedules', value: error.split('\n')[0]!.slice(0, 80), target: '', status: 'ERROR' }];
  if (!result) return [];
  const { burst, steady } = result;
  const lostOrDoubled = burst.lost + burst.duplicates + steady.lost + steady.duplicates;
  return [
    info(`(d) ${burst.schedules} due at once → enqueued p50`, ms(burst.enqueue.p50)),
    {
      figure: `(d) ${burst.schedules} due at once → enqueued p99`,
      value: ms(burst.enqueue.p99),
      target: '≤ 100 ms',
      status: burst.enqueue.p99 <= 100 ? 'PASS' : 'MISS',
    },
    info(`(d) ${burst.schedules} due at once → received p50 / p99`, pair(burst.received)),
    info(`(d) ${steady.schedules} per-second × ${steady.seconds} s → enqueued p50 / p99`, pair(steady.enqueue)),
    info(`(d) ${steady.schedules} per-second × ${steady.seconds} s → received p50 / p99`, pair(steady.received)),
    {
      figure: '(d) occurrences lost + duplicated',
      value: String(lostOrDoubled),
      target: '0',
      status: lostOrDoubled === 0 ? 'PASS' : 'MISS',
    },
  ];
}

const line = (name: string, f: LatenessFigures) =>
  `${name}: ${f.occurrences} occurrences fired (${f.lost} lost, ${f.duplicates} duplicated); fire time → enqueued p50 ${ms(f.enqueue.p50)}, ` +
  `p99 ${ms(f.enqueue.p99)}, max ${ms(f.enqueue.max)}; → received p50 ${ms(f.received.p50)}, p99 ${ms(f.received.p99)}, max ${ms(f.received.max)}.`;

export function scheduleDetails(result: SchedulesResult | undefined): string[] {
  if (!result) return [];
  return [
    `- ${line(`(d) ${result.burst.schedules} schedules due in one second`, result.burst)}`,
    `- ${line(`(d) ${result.steady.schedules} per-second schedules for ${result.steady.seconds} s`, result.steady)}`,
  ];
}

export const SCHEDULES_METHOD = `- (d) one scheduler and one dispatcher process; a backlog of ordinary due tasks (BENCH_SCHEDULE_BACKLOG, same
  job options as the API) is seeded first so the dispatcher is busy. Then N hourly-interval schedules are
  inserted in one statement, all first due at the same whole second ~3 s ahead (a NOTIFY as the API sends it);
  later M \`* * * * * *\` schedules run for S seconds. "Enqueued" is the scheduler's \`lateness_ms\`
  (clock_timestamp() when the occurrence is logged, after its task and job are written, minus fire_at; the
  commit follows); "received" is when the receiver got the request, minus fire_at (same machine clock). Lost =
  fire times from the first to next_run_at with neither a task nor a skipped row; duplicated = tasks with more
  than one \`deliver\` job. The scheduler prepares \`overlap: allow\` occurrences up to SCHEDULE_LOOKAHEAD_MS
  (2 s) ahead: their task and job are written before the fire time and pg-boss releases the job at it, so a
  negative "enqueued" figure says how long before its fire time the occurrence was ready
  (docs/decisions/0007-prepare-schedule-occurrences-ahead.md).`;
