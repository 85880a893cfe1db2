import { Inject, Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataKeyRepository, FIRST_ORG, RetentionRepository, type RetentionBatch } from '@hourglass/db';
import { planFor } from '@hourglass/domain';
import { APP_CONFIG, AppLogger, Metrics } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { LeaderService } from '../leader/leader.service.js';

/** What one pass deleted, per table. */
export interface RetentionPass {
  tasks: number;
  attempts: number;
  scheduleOccurrences: number;
  scheduleVersions: number;
  idempotencyKeys: number;
  auditLog: number;
  /** Inbound events past their org's retention, and dedup claims past their window. */
  inboundEvents: number;
  inboundDedupKeys: number;
  /** Heartbeat pings and HTTP checks past their org's retention. */
  monitorPings: number;
  monitorChecks: number;
  /** Rows of deleted orgs purged (any table). */
  deletedOrgRows: number;
  /** Data keys re-wrapped under the master ring's first version (master-key rotation). */
  rewrappedDataKeys: number;
  /** Rows re-sealed under their org's newest data key, and older data-key versions destroyed (data-key rotation). */
  resealedRows: number;
  retiredDataKeys: number;
}

/**
 * Deletes what is past each org's retention (`retention_days`: its plan's unless an operator set
 * one), on the leader only, every RETENTION_INTERVAL_MS: finished tasks with their attempts, schedule
 * occurrences, superseded schedule versions, expired idempotency keys, and audit log entries past
 * the org's plan's `auditRetentionDays`. Every statement is one
 * batch of at most RETENTION_BATCH_SIZE rows (docs/architecture.md, "Retention"); a pass stops
 * between batches when leadership is lost.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly deleted;

  constructor(
    @Inject(APP_CONFIG) private readonly config: SchedulerConfig,
    @Inject(RetentionRepository) private readonly repo: RetentionRepository,
    @Inject(DataKeyRepository) private readonly dataKeys: DataKeyRepository,
    @Inject(LeaderService) private readonly leader: Pick<LeaderService, 'leading' | 'on'>,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.deleted = metrics.counter('hourglass_retention_deleted_total', 'Rows deleted by retention', ['table']);
    const count = () => dataKeys.countByMasterVersion();
    metrics.gauge(
      'hourglass_data_keys',
      'Org data keys by the master key version wrapping them',
      ['master_version'],
      async function () {
        // A scrape while the database is away keeps the last figures.
        const counts = await count().catch(() => undefined);
        if (!counts) return;
        this.reset();
        for (const [version, n] of counts) this.set({ master_version: version }, n);
      },
    );
    metrics.gauge(
      'hourglass_data_key_rotations_pending',
      'Orgs whose data-key rotation has not finished (rows still being re-sealed under the newest version)',
      [],
      async function () {
        const n = await dataKeys.countRotating().catch(() => undefined);
        if (n !== undefined) this.set(n);
      },
    );
  }

  onApplicationBootstrap(): void {
    this.leader.on('acquired', () => this.loop());
    this.leader.on('lost', () => clearTimeout(this.timer));
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }

  /** Deletes expired rows of an org-less table in batches until none is left (or leadership is lost). */
  private async drain(table: string, batch: (size: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (let count = -1; count !== 0 && this.leader.leading;) {
      count = await batch(this.config.retention.batchSize);
      total += count;
      this.deleted.inc({ table }, count);
      if (count < this.config.retention.batchSize) break;
    }
    return total;
  }

  /** One full pass over every table. Callable from tests; a second pass right after deletes nothing. */
  async runOnce(): Promise<RetentionPass> {
    const keep = await this.repo.tasksWithLiveJobs();
    let attempts = 0;
    const tasks = await this.walk('tasks', async (size, from) => {
      const batch = await this.repo.deleteTasks(size, from, keep);
      attempts += batch.attempts;
      this.deleted.inc({ table: 'attempts' }, batch.attempts);
      return batch;
    });
    const scheduleOccurrences = await this.walk('schedule_occurrences', (size, from) =>
      this.repo.deleteOccurrences(size, from),
    );
    const scheduleVersions = await this.walk('schedule_versions', (size, from) =>
      this.repo.deleteScheduleVersions(size, from),
    );
    const auditDays = new Map(Object.entries(this.config.plans).map(([name, plan]) => [name, plan.auditRetentionDays]));
    const fallbackDays = planFor(this.config.plans, 'free').auditRetentionDays;
    const auditLog = await this.walk('audit_log', (size, from) =>
      this.repo.deleteAuditLog(size, from, auditDays, fallbackDays),
    );
    const inboundEvents = await this.walk('inbound_events', (size, from) => this.repo.deleteInboundEvents(size, from));
    const monitorPings = await this.walk('monitor_pings', (size, from) =>
      this.repo.deleteMonitorHistory('monitor_pings', size, from),
    );
    const monitorChecks = await this.walk('monitor_checks', (size, from) =>
      this.repo.deleteMonitorHistory('monitor_checks', size, from),
    );
    const idempotencyKeys = await this.drain('idempotency_keys', (size) => this.repo.deleteIdempotencyKeys(size));
    const inboundDedupKeys = await this.drain('inbound_dedup_keys', (size) => this.repo.deleteExpiredDedupKeys(size));
    const deletedOrgRows = await this.purgeDeletedOrgs();
    const rewrappedDataKeys = await this.rewrapDataKeys();
    const { resealedRows, retiredDataKeys } = await this.resealRotatedOrgs();
    return {
      tasks,
      attempts,
      scheduleOccurrences,
      scheduleVersions,
      idempotencyKeys,
      auditLog,
      inboundEvents,
      inboundDedupKeys,
      monitorPings,
      monitorChecks,
      deletedOrgRows,
      rewrappedDataKeys,
      resealedRows,
      retiredDataKeys,
    };
  }

  /**
   * Data-key rotation (docs/decisions/0014): once a rotation has settled, the org's rows are
   * re-sealed under its newest key, a batch per transaction while traffic flows, and a walk that
   * reaches its end destroys the older versions. A pass cut short (SIGKILL, lost leadership) keeps
   * them; the next walks again, skipping what is already current.
   */
  private async resealRotatedOrgs(): Promise<{ resealedRows: number; retiredDataKeys: number }> {
    const { batchSize, dataKeySettleMs } = this.config.retention;
    let resealedRows = 0;
    let retiredDataKeys = 0;
    for (const orgId of await this.dataKeys.rotatingOrgs(dataKeySettleMs, 100)) {
      const reseal = await this.dataKeys.resealOrg(orgId, batchSize, () => this.leader.leading);
      resealedRows += reseal.resealed;
      if (reseal.complete) retiredDataKeys += await this.dataKeys.retireVersionsBefore(orgId, reseal.version);
    }
    return { resealedRows, retiredDataKeys };
  }

  /**
   * Master-key rotation online (docs/decisions/0014): data keys wrapped by an older master version
   * are re-wrapped under the first, a batch per transaction while traffic flows. A SIGKILL loses at
   * most the batch in flight, which the next pass redoes. The data keys themselves do not change,
   * so no sealed value is touched and no cache goes stale.
   */
  private async rewrapDataKeys(): Promise<number> {
    let total = 0;
    for (let count = -1; count !== 0 && this.leader.leading;) {
      count = await this.dataKeys.rewrapBatch(this.config.retention.batchSize);
      total += count;
    }
    return total;
  }

  /** Purges deleted orgs' rows (docs/decisions/0014), one bounded batch per statement, until none is left. */
  private async purgeDeletedOrgs(): Promise<number> {
    const size = this.config.retention.batchSize;
    let total = 0;
    for (const orgId of await this.repo.deletedOrgs(100)) {
      for (let count = -1; count !== 0 && this.leader.leading;) {
        count = await this.repo.purgeDeletedOrg(orgId, size);
        total += count;
        this.deleted.inc({ table: 'deleted_orgs' }, count);
      }
    }
    return total;
  }

  /**
   * Batches over the orgs in id order, each resuming at the org the last one ended in, until one
   * chooses fewer rows than a batch (the walk is done) or deletes none (what is left is locked by
   * other transactions: the next pass takes it).
   */
  private async walk(table: string, batch: (size: number, fromOrgId: string) => Promise<RetentionBatch>) {
    const size = this.config.retention.batchSize;
    let total = 0;
    for (let from = FIRST_ORG; this.leader.leading;) {
      const result = await batch(size, from);
      total += result.deleted;
      this.deleted.inc({ table }, result.deleted);
      if (result.picked < size || result.deleted === 0) break;
      from = result.nextOrgId;
    }
    return total;
  }

  private loop(): void {
    this.running = this.runOnce()
      .then((pass) => {
        if (Object.values(pass).some((n) => n > 0)) this.logger.log({ msg: 'retention pass', ...pass }, 'Retention');
      })
      .catch((error: Error) => this.logger.warn({ msg: 'retention pass failed', err: error }, 'Retention'))
      .finally(() => {
        if (this.leader.leading) this.timer = setTimeout(() => this.loop(), this.config.retention.intervalMs);
      });
  }
}
