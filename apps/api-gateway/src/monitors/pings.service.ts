import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MonitorRepository, newId, recordMonitorStep } from '@hourglass/db';
import { AppError, applyPing, ErrorCode, MonitorLimits, type PingKind } from '@hourglass/domain';
import { pingTokenHash } from './monitors.service.js';

/** Tokens are 24 base64url characters; anything else cannot name a monitor and costs no query. */
const TOKEN = /^[A-Za-z0-9_-]{16,64}$/;

export interface ReceivedPing {
  kind: PingKind;
  exitCode?: number;
  runId?: string;
  body: Buffer;
}

/**
 * `/ping/<token>`: one transaction of three statements (the monitor locked by its token hash, the
 * ping inserted, the state written), plus the incident and event when the ping changes up/down.
 */
@Injectable()
export class PingsService {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(MonitorRepository) private readonly monitors: MonitorRepository,
  ) {}

  async receive(token: string, ping: ReceivedPing): Promise<void> {
    if (!TOKEN.test(token)) throw notFound();
    const hash = pingTokenHash(token);
    await this.db.transaction(async (em) => {
      const monitor = await this.monitors.lockByTokenHash(hash, em);
      if (!monitor) throw notFound();
      const at = new Date();
      const step = applyPing(monitor, monitor, { kind: ping.kind, exitCode: ping.exitCode, runId: ping.runId, at });
      const body = ping.body.subarray(0, MonitorLimits.maxPingBodyBytes);
      await this.monitors.insertPing(
        {
          id: newId(),
          monitorId: monitor.id,
          orgId: monitor.orgId,
          kind: ping.kind,
          exitCode: ping.exitCode ?? null,
          runId: ping.runId ?? null,
          durationMs: step.durationMs ?? null,
          body: body.length === 0 ? null : body.toString('utf8'),
          receivedAt: at,
        },
        em,
      );
      await recordMonitorStep(em, this.monitors, monitor, step, at);
    });
  }
}

const notFound = () => new AppError(ErrorCode.MONITOR_NOT_FOUND, 'No monitor pings at this URL');
