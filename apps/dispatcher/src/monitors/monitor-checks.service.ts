import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgBoss } from 'pg-boss';
import {
  type MonitorCheckJob,
  MonitorRepository,
  type MonitorRow,
  newId,
  recordMonitorStep,
  stopMonitorChecks,
  workMonitorChecks,
} from '@hourglass/db';
import { applyCheck } from '@hourglass/domain';
import { APP_CONFIG, AppLogger, Metrics } from '@hourglass/platform';
import type { DispatcherConfig } from '../config.js';
import { type AttemptRecord, HttpDeliveryClient, SsrfGuard } from '../delivery/index.js';
import { checkAssertions } from '../worker/assertions.js';
import { USER_AGENT } from '../worker/delivery.service.js';

/** Response bodies are read up to this for the pattern (a health endpoint answers far less). */
const MAX_CHECK_BODY_BYTES = 64 * 1024;

/** Whether a response is up by the monitor's `expect`: a listed status code (else any 2xx) and the body pattern. */
export function checkOutcome(
  record: AttemptRecord,
  monitor: Pick<MonitorRow, 'expect'>,
): { ok: boolean; error: string | null } {
  const listed = monitor.expect?.statusCodes.length ? monitor.expect.statusCodes : null;
  const asserted = checkAssertions(record, {
    expectedStatusCodes: listed,
    expectedBodyPattern: monitor.expect?.bodyPattern ?? null,
  });
  if (asserted.result.kind !== 'response') return { ok: false, error: asserted.error ?? asserted.result.kind };
  const code = asserted.result.statusCode;
  const ok = listed ? listed.includes(code) : code >= 200 && code < 300;
  return ok ? { ok, error: null } : { ok, error: `status ${code}` };
}

/**
 * Runs HTTP monitor checks the scheduler's leader enqueued (queue `monitor-check`) through the
 * same SSRF-guarded client as deliveries, records each in monitor_checks and applies it to the
 * monitor under its row lock: the first failure of a series is re-checked at once (its deadline
 * set to now), `confirmAfter` failures in a row are down, a success is up.
 */
@Injectable()
export class MonitorChecksService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly client: HttpDeliveryClient;
  private readonly monitors: MonitorRepository;
  private readonly checks;
  private workerId?: string;

  constructor(
    @Inject(APP_CONFIG) config: DispatcherConfig,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(PgBoss) private readonly boss: PgBoss,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.client = new HttpDeliveryClient({
      guard: new SsrfGuard(config.privateTargets),
      userAgent: USER_AGENT,
      maxResponseBytes: MAX_CHECK_BODY_BYTES,
      connectionsPerOrigin: 4,
    });
    this.monitors = new MonitorRepository(db);
    this.checks = metrics.counter('hourglass_monitor_checks_total', 'HTTP monitor checks run', ['ok']);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.workerId = await workMonitorChecks(this.boss, (jobs) => this.runAll(jobs));
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.workerId) await stopMonitorChecks(this.boss, this.workerId).catch(() => undefined);
    await this.client.close();
  }

  private async runAll(jobs: MonitorCheckJob[]): Promise<void> {
    await Promise.all(
      jobs.map((job) =>
        this.run(job.data.orgId, job.data.monitorId).catch((error: Error) =>
          this.logger.warn({ msg: 'monitor check failed', err: error }, 'Monitors'),
        ),
      ),
    );
  }

  /** One check of one monitor; a monitor deleted, paused or changed to nothing checkable is skipped. */
  async run(orgId: string, monitorId: string): Promise<void> {
    const monitor = await this.monitors.find(orgId, monitorId);
    if (!monitor || monitor.type !== 'http' || monitor.status === 'paused' || !monitor.request) return;
    const record = await this.client.deliver(monitor.request);
    const { ok, error } = checkOutcome(record, monitor);
    this.checks.inc({ ok: String(ok) });
    await this.db.transaction(async (em) => {
      const current = await this.monitors.find(orgId, monitorId, em, true);
      if (!current || current.status === 'paused') return;
      const at = record.finishedAt;
      await this.monitors.insertCheck(
        {
          id: newId(),
          monitorId,
          orgId,
          statusCode: record.statusCode,
          durationMs: record.durationMs,
          ok,
          error: error?.slice(0, 500) ?? null,
          checkedAt: at,
        },
        em,
      );
      const step = applyCheck(current, current, ok, error);
      // An immediate re-check: the leader sees a deadline of now (and is told so) and enqueues it.
      const state = step.recheck
        ? { ...step.state, nextDeadlineAt: new Date(), deadlineKind: 'check' as const }
        : step.state;
      await recordMonitorStep(em, this.monitors, current, { ...step, state }, at);
    });
  }
}
