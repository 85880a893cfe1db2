import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MonitorRepository, type MonitorRow, newId, type PingRow, recordMonitorStep } from '@hourglass/db';
import { AppError, applyPing, ErrorCode, MonitorLimits, type PingKind, type Step } from '@hourglass/domain';
import { pingTokenHash } from './monitors.service.js';
import { PingMissLimiter } from './ping-miss-limiter.js';

/** Tokens are 24 base64url characters; anything else cannot name a monitor and costs no query. */
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export interface ReceivedPing {
  kind: PingKind;
  exitCode?: number;
  runId?: string;
  body: Buffer;
}

/**
 * `/ping/<token>`: two statements in the common case (read the monitor by its token hash; write its
 * state, guarded by its version, and the ping in one statement). A ping that changes up/down, moves
 * the deadline earlier or lost the version race is redone under the row lock in a transaction, with
 * its incident and event.
 */
@Injectable()
export class PingsService {
  private readonly misses = new PingMissLimiter();

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(MonitorRepository) private readonly monitors: MonitorRepository,
  ) {}

  /** `client` is the caller's address: unknown tokens from one address are rate limited (PingMissLimiter). */
  async receive(token: string, ping: ReceivedPing, client: string): Promise<void> {
    if (!TOKEN.test(token)) throw notFound();
    const hash = pingTokenHash(token);
    const key = hash.toString('base64');
    this.misses.admit(client, key);
    const monitor = await this.monitors.findByTokenHash(hash);
    if (!monitor) {
      this.misses.miss(client);
      throw notFound();
    }
    this.misses.hit(key);
    const at = new Date();
    const step = this.step(monitor, ping, at);
    // The common ping changes no up/down and moves the deadline later: one statement, nothing to announce.
    const quiet =
      step.transition === null &&
      (step.state.nextDeadlineAt === null ||
        (monitor.nextDeadlineAt !== null && step.state.nextDeadlineAt >= monitor.nextDeadlineAt));
    if (quiet && (await this.monitors.recordPingIfUnchanged(monitor, step.state, this.row(monitor, ping, step, at))))
      return;
    await this.db.transaction(async (em) => {
      const current = await this.monitors.lockByTokenHash(hash, em);
      if (!current) throw notFound();
      // Read again after the lock: a ping that waited for another is later than it, so lastPingAt never goes back.
      const now = new Date();
      const locked = this.step(current, ping, now);
      await this.monitors.insertPing(this.row(current, ping, locked, now), em);
      await recordMonitorStep(em, this.monitors, current, locked, now);
    });
  }

  private step(monitor: MonitorRow, ping: ReceivedPing, at: Date): Step {
    return applyPing(monitor, monitor, { kind: ping.kind, exitCode: ping.exitCode, runId: ping.runId, at });
  }

  private row(monitor: MonitorRow, ping: ReceivedPing, step: Step, at: Date): PingRow {
    const body = ping.body.subarray(0, MonitorLimits.maxPingBodyBytes);
    return {
      id: newId(),
      monitorId: monitor.id,
      orgId: monitor.orgId,
      kind: ping.kind,
      exitCode: ping.exitCode ?? null,
      runId: ping.runId ?? null,
      durationMs: step.durationMs ?? null,
      body: body.length === 0 ? null : body.toString('utf8'),
      receivedAt: at,
    };
  }
}

const notFound = () => new AppError(ErrorCode.MONITOR_NOT_FOUND, 'No monitor pings at this URL');
