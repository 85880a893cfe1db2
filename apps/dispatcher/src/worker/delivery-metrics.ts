import type { DeliveryOutcome } from '@hourglass/domain';
import { LATENCY_BUCKETS, type Metrics } from '@hourglass/platform';

export class DeliveryMetrics {
  readonly attempts;
  readonly duration;
  readonly inFlight;
  readonly settleErrors;
  readonly tasksFinished;
  readonly circuitsOpened;
  readonly circuitsOpen;
  readonly dropped;

  constructor(metrics: Metrics, openCircuits: () => number) {
    this.attempts = metrics.counter('hourglass_delivery_attempts_total', 'HTTP delivery attempts by outcome', [
      'outcome',
    ]);
    this.duration = metrics.histogram(
      'hourglass_delivery_duration_seconds',
      'Duration of one delivery attempt',
      [],
      LATENCY_BUCKETS,
    );
    this.inFlight = metrics.gauge('hourglass_dispatcher_in_flight', 'Deliveries in flight in this dispatcher');
    this.settleErrors = metrics.counter(
      'hourglass_dispatcher_settle_errors_total',
      'Failed writes of delivery results (retried)',
    );
    this.tasksFinished = metrics.counter('hourglass_tasks_finished_total', 'Tasks that reached a final status', [
      'status',
    ]);
    this.circuitsOpened = metrics.counter(
      'hourglass_dispatcher_circuits_opened_total',
      'Destination origins paused by their circuit breaker',
    );
    this.dropped = metrics.counter(
      'hourglass_dispatcher_dropped_total',
      'Fetched tasks not delivered because they can no longer be read (their org was deleted)',
      ['reason'],
    );
    this.circuitsOpen = metrics.gauge(
      'hourglass_dispatcher_circuits_open',
      'Destination origins paused right now',
      [],
      function () {
        this.set(openCircuits());
      },
    );
  }

  observeAttempt(outcome: DeliveryOutcome, durationMs: number): void {
    this.attempts.inc({ outcome });
    this.duration.observe(durationMs / 1_000);
  }
}
