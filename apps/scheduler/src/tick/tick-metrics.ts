import type { Counter, Gauge, Histogram } from 'prom-client';
import { LATENCY_BUCKETS, type Metrics } from '@hourglass/platform';

export interface TickMetrics {
  lateness: Histogram;
  occurrences: Counter<'outcome' | 'reason'>;
  due: Gauge;
}

export function tickMetrics(metrics: Metrics): TickMetrics {
  return {
    lateness: metrics.histogram(
      'hourglass_schedule_fire_lateness_seconds',
      "From an occurrence's fire time to its task being written with its delivery job (database clock)",
      [],
      LATENCY_BUCKETS,
    ),
    occurrences: metrics.counter(
      'hourglass_schedule_occurrences_total',
      'Schedule occurrences by outcome (fired | skipped) and skip reason (none when fired)',
      ['outcome', 'reason'],
    ),
    due: metrics.gauge(
      'hourglass_schedules_due',
      "Enabled schedules due now and not yet fired, as of the leader's last tick",
    ),
  };
}
