import { idTimeMs } from '@hourglass/db';
import type { AttemptResult, DeliveryOutcome } from '@hourglass/domain';
import { LATENCY_BUCKETS, type Metrics, ssrfRefusals } from '@hourglass/platform';

/** From a second to a day: a task may wait for its retries' backoff before it is delivered. */
const TASK_LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3_600, 21_600, 86_400];

export class DeliveryMetrics {
  readonly attempts;
  readonly duration;
  readonly inFlight;
  readonly settleErrors;
  readonly tasksFinished;
  readonly circuitsOpened;
  readonly circuitsOpen;
  readonly dropped;
  readonly dueToDelivered;
  readonly createdToDelivered;
  readonly ssrfRefused;

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
    this.dueToDelivered = metrics.histogram(
      'hourglass_task_due_to_delivered_seconds',
      'From when the delivering attempt was due (creation, runAt or retry time) to its success: dispatch lag',
      [],
      TASK_LATENCY_BUCKETS,
    );
    this.createdToDelivered = metrics.histogram(
      'hourglass_task_created_to_delivered_seconds',
      'From task creation to its successful delivery (delays and retries included)',
      [],
      TASK_LATENCY_BUCKETS,
    );
    this.ssrfRefused = ssrfRefusals(metrics);
    this.circuitsOpen = metrics.gauge(
      'hourglass_dispatcher_circuits_open',
      'Destination origins paused right now',
      [],
      function () {
        this.set(openCircuits());
      },
    );
  }

  observeAttempt(
    task: { id: string; runAt: Date },
    attempt: { result: AttemptResult; durationMs: number },
    outcome: DeliveryOutcome,
  ): void {
    this.attempts.inc({ outcome });
    this.duration.observe(attempt.durationMs / 1_000);
    if (outcome === 'delivered') {
      const now = Date.now();
      this.dueToDelivered.observe(Math.max(0, now - task.runAt.getTime()) / 1_000);
      this.createdToDelivered.observe(Math.max(0, now - idTimeMs(task.id)) / 1_000);
    }
    if (attempt.result.kind === 'error' && attempt.result.error === 'blocked')
      this.ssrfRefused.inc({ stage: 'connect' });
  }
}
