import type { PgBoss } from 'pg-boss';
import { classifyDelivery, nextStep } from '@hourglass/domain';
import { fetchDeliveryJobs, type DeliveryJob, type StartedTask, type TaskRepository } from '@hourglass/db';
import {
  buildDeliveryHeaders,
  type AttemptRecord,
  type HttpDeliveryClient,
  type OutboundRequest,
  type SmtpSender,
} from '../delivery/index.js';
import type { CircuitBreakers } from './circuit-breakers.js';
import type { FetchedJob, ResultWriter } from './result-writer.js';
import type { SigningSecrets } from './signing-secrets.js';
import type { DeliveryMetrics } from './delivery-metrics.js';
import { WakeSignal } from './wake-signal.js';
import { OrgSlots } from './org-slots.js';
import { checkAssertions, deliveryRules } from './assertions.js';
import { traceDelivery } from './delivery-trace.js';

export interface DeliveryWorkerOptions {
  concurrency: number;
  batchSize: number;
  pollMs: number;
  /** Deliveries one org may hold in this process while other orgs have due jobs (see OrgSlots). */
  orgConcurrency: number;
  userAgent: string;
}

export interface DeliveryWorkerDeps {
  boss: PgBoss;
  tasks: TaskRepository;
  client: HttpDeliveryClient;
  smtp: SmtpSender;
  secrets: SigningSecrets;
  writer: ResultWriter;
  circuits: CircuitBreakers;
  metrics: DeliveryMetrics;
  onError: (error: Error, where: string) => void;
}

/**
 * One fetch loop feeding a bounded pool of in-flight requests. Unlike pg-boss `work()`, which
 * waits for a whole batch before fetching again, a slow target only holds its own slot: the loop
 * refills free slots as they open (in chunks, so a busy pool is not fetched one job at a time).
 */
export class DeliveryWorker {
  private readonly signal = new WakeSignal();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly orgSlots: OrgSlots;
  private stopping = false;
  private loopDone?: Promise<void>;

  constructor(
    private readonly options: DeliveryWorkerOptions,
    private readonly deps: DeliveryWorkerDeps,
  ) {
    this.orgSlots = new OrgSlots(options.orgConcurrency, options.pollMs);
  }

  start(): void {
    this.stopping = false;
    this.loopDone = this.loop();
  }

  /** A hint that jobs are ready (NOTIFY, a retry coming due). */
  wake(): void {
    this.orgSlots.hint();
    this.signal.wake();
  }

  /** A batch of results was written: the slots it held (see the fetch loop) are free again. */
  resultsWritten(): void {
    this.signal.wake();
  }

  /** Stops fetching, then waits up to `graceMs` for in-flight deliveries and their results. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.signal.wake();
    await this.loopDone;
    const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(this.inFlight), grace]);
    await Promise.race([this.deps.writer.drain(), grace]);
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private async loop(): Promise<void> {
    const { concurrency, batchSize, pollMs } = this.options;
    const refillAt = Math.min(batchSize, Math.ceil(concurrency / 4));
    while (!this.stopping) {
      // Results the writer still holds (database away) take slots too: the buffer stays within the pool's size.
      const held = this.deps.writer.backlog;
      const free = concurrency - this.inFlight.size - held;
      if (free < refillAt && this.inFlight.size + held > 0) {
        await this.signal.wait(pollMs);
        continue;
      }
      try {
        const size = Math.min(free, batchSize);
        const plan = this.orgSlots.plan(Date.now());
        const jobs = await fetchDeliveryJobs(this.deps.boss, { batchSize: size, ...plan });
        const lend = this.orgSlots.fetched(plan, size, jobs.length, Date.now());
        if (jobs.length > 0) await this.startBatch(jobs);
        else if (!lend) await this.signal.wait(pollMs);
      } catch (error) {
        this.deps.onError(error as Error, 'fetch');
        await this.signal.wait(Math.max(pollMs, 1_000));
      }
    }
  }

  private async startBatch(jobs: DeliveryJob[]): Promise<void> {
    const { started, unreadable } = await this.deps.tasks.startMany(jobs.map((job) => job.data.taskId));
    // A deleted org's tasks (data key destroyed) are dropped: their jobs complete, the purge takes the rows.
    this.deps.metrics.dropped.inc({ reason: 'org_deleted' }, unreadable.length);
    const byId = new Map(started.map((task) => [task.id, task]));
    const secrets = await this.deps.secrets.forOrgs(started.map((task) => task.orgId));
    for (const job of jobs) {
      const attempt = { id: job.id, retryCount: job.retryCount, priority: job.data.priority };
      const task = byId.get(job.data.taskId);
      if (!task) {
        this.deps.writer.add({ job: attempt });
        continue;
      }
      this.orgSlots.take(task.orgId);
      const delivery = this.deliver(attempt, task, secrets.get(task.orgId) ?? []).finally(() => {
        this.inFlight.delete(delivery);
        this.orgSlots.release(task.orgId);
        this.signal.wake();
      });
      this.inFlight.add(delivery);
    }
    this.deps.metrics.inFlight.set(this.inFlight.size);
  }

  private async deliver(job: FetchedJob, task: StartedTask, secrets: string[]): Promise<void> {
    const trace = traceDelivery(task, URL.parse(task.url));
    try {
      const headers = buildDeliveryHeaders({
        taskHeaders: task.headers,
        taskId: task.id,
        attemptNumber: task.attemptNumber,
        scheduleId: task.scheduleId,
        traceParent: trace.traceparent,
        secrets,
        body: task.body ?? '',
        userAgent: this.options.userAgent,
        nowSeconds: Math.floor(Date.now() / 1_000),
      });
      const sent = await this.send({
        url: task.url,
        method: task.method,
        headers,
        body: task.body,
        timeoutMs: task.timeoutMs,
      });
      trace.sent(sent);
      const record = checkAssertions(sent, task);
      // Counted from the last replay: the budget and the backoff restart, attempt numbers do not.
      const step = nextStep(
        record.result,
        task.attemptNumber - task.attemptOffset,
        task.maxAttempts,
        new Date(),
        deliveryRules(task),
      );
      this.deps.metrics.observeAttempt(task, record, step.outcome);
      this.deps.writer.add({ job, task, record, step });
      trace.end(step.outcome);
    } catch (error) {
      trace.end(undefined, error);
      // A bug, not an outcome: leave the job unsettled so its lease lapses and it is retried.
      this.deps.onError(error as Error, 'deliver');
    }
  }

  /** The HTTP attempt, unless its origin is paused by its circuit breaker; a `mailto:` target goes over SMTP. */
  private async send(request: OutboundRequest): Promise<AttemptRecord> {
    if (request.url.startsWith(MAILTO))
      return this.deps.smtp.send(request.url.slice(MAILTO.length), request.body, request.timeoutMs);
    const origin = URL.parse(request.url)?.origin ?? request.url;
    const pausedMs = this.deps.circuits.pausedFor(origin);
    if (pausedMs > 0) return circuitOpenRecord(origin, pausedMs);
    const record = await this.deps.client.deliver(request);
    if (this.deps.circuits.record(origin, classifyDelivery(record.result))) this.deps.metrics.circuitsOpened.inc();
    return record;
  }
}

/** An email notification's target (docs/decisions/0022). */
const MAILTO = 'mailto:';

function circuitOpenRecord(origin: string, pausedMs: number): AttemptRecord {
  const now = new Date();
  return {
    result: { kind: 'error', error: 'circuit_open', retryAfterMs: pausedMs },
    statusCode: null,
    durationMs: 0,
    responseHeaders: null,
    responseBody: null,
    responseTruncated: false,
    startedAt: now,
    finishedAt: now,
    error: `circuit_open: ${origin} is paused for ${Math.ceil(pausedMs / 1_000)} s after repeated failures; not sent`,
  };
}
