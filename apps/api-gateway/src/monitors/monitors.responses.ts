import { ApiProperty } from '@nestjs/swagger';
import type { CheckRow, IncidentRow, MonitorRow, NotifyOverride, PingRow } from '@hourglass/db';
import { formatDuration, MONITOR_STATUSES, MONITOR_TYPES, PING_KINDS } from '@hourglass/domain';
import { NotifyView } from '../notify-override/notify-override.js';

const durationOrNull = (ms: number | null) => (ms === null ? null : formatDuration(ms));
const iso = (d: Date | null) => d?.toISOString() ?? null;

class MonitorRequestView {
  @ApiProperty() url!: string;
  @ApiProperty() method!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers!: Record<string, string>;
  @ApiProperty({ type: String, nullable: true }) body!: string | null;
  @ApiProperty({ type: 'integer' }) timeoutMs!: number;
}

class ExpectView {
  @ApiProperty({ type: [Number], nullable: true, description: 'null: any 2xx' }) statusCodes!: number[] | null;
  @ApiProperty({ type: String, nullable: true }) bodyPattern!: string | null;
}

export class Monitor {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: MONITOR_TYPES }) type!: string;
  @ApiProperty({ enum: MONITOR_STATUSES }) status!: string;
  @ApiProperty({ type: String, nullable: true, example: '1h' }) every!: string | null;
  @ApiProperty({ type: String, nullable: true }) cron!: string | null;
  @ApiProperty({ type: String, nullable: true }) timezone!: string | null;
  @ApiProperty({ type: String, nullable: true }) grace!: string | null;
  @ApiProperty({ type: String, nullable: true }) maxRuntime!: string | null;
  @ApiProperty({ type: String, nullable: true }) minRuntime!: string | null;
  @ApiProperty({ type: 'integer' }) failAfter!: number;
  @ApiProperty({ type: 'integer' }) confirmAfter!: number;
  @ApiProperty({ type: MonitorRequestView, nullable: true }) request!: MonitorRequestView | null;
  @ApiProperty({ type: ExpectView, nullable: true }) expect!: ExpectView | null;
  @NotifyView('monitor') notify!: NotifyOverride;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Heartbeat: where the job pings (the token is the credential)',
  })
  pingUrl!: string | null;
  @ApiProperty({ description: 'For /badge/{badgeToken}.svg|.json' }) badgeToken!: string;
  @ApiProperty({ type: 'integer' }) consecutiveFailures!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastPingAt!: string | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When it goes late/down or is checked next',
  })
  nextDeadlineAt!: string | null;
  @ApiProperty({ type: 'integer' }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class MonitorPage {
  @ApiProperty({ type: [Monitor] }) data!: Monitor[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class MonitorPing {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: PING_KINDS }) kind!: string;
  @ApiProperty({ type: 'integer', nullable: true }) exitCode!: number | null;
  @ApiProperty({ type: String, nullable: true }) runId!: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) durationMs!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'At most 10 KB; longer bodies are cut off' })
  body!: string | null;
  @ApiProperty({ format: 'date-time' }) receivedAt!: string;
}

export class MonitorPingPage {
  @ApiProperty({ type: [MonitorPing] }) data!: MonitorPing[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class MonitorCheck {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: 'integer', nullable: true }) statusCode!: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) durationMs!: number | null;
  @ApiProperty() ok!: boolean;
  @ApiProperty({ type: String, nullable: true }) error!: string | null;
  @ApiProperty({ format: 'date-time' }) checkedAt!: string;
}

export class MonitorCheckPage {
  @ApiProperty({ type: [MonitorCheck] }) data!: MonitorCheck[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class MonitorIncident {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resolvedAt!: string | null;
  @ApiProperty() cause!: string;
  @ApiProperty({ type: 'integer', nullable: true, description: 'null while open' }) durationMs!: number | null;
}

export class MonitorIncidentPage {
  @ApiProperty({ type: [MonitorIncident] }) data!: MonitorIncident[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export function toMonitorResponse(m: MonitorRow, publicBase: string): Monitor {
  return {
    id: m.id,
    name: m.name,
    type: m.type,
    status: m.status,
    every: durationOrNull(m.everyMs),
    cron: m.cron,
    timezone: m.timezone,
    grace: m.type === 'heartbeat' ? formatDuration(m.graceMs) : null,
    maxRuntime: durationOrNull(m.maxRuntimeMs),
    minRuntime: durationOrNull(m.minRuntimeMs),
    failAfter: m.failAfter,
    confirmAfter: m.confirmAfter,
    request: m.request,
    expect: m.expect && {
      statusCodes: m.expect.statusCodes.length ? m.expect.statusCodes : null,
      bodyPattern: m.expect.bodyPattern,
    },
    notify: m.notify,
    labels: m.labels,
    pingUrl: m.pingToken === null ? null : `${publicBase}/ping/${m.pingToken}`,
    badgeToken: m.badgeToken,
    consecutiveFailures: m.consecutiveFailures,
    lastPingAt: iso(m.lastPingAt),
    nextDeadlineAt: iso(m.nextDeadlineAt),
    version: m.version,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

export const toPingResponse = (p: PingRow): MonitorPing => ({
  id: p.id,
  kind: p.kind,
  exitCode: p.exitCode,
  runId: p.runId,
  durationMs: p.durationMs,
  body: p.body,
  receivedAt: p.receivedAt.toISOString(),
});

export const toCheckResponse = (c: CheckRow): MonitorCheck => ({
  id: c.id,
  statusCode: c.statusCode,
  durationMs: c.durationMs,
  ok: c.ok,
  error: c.error,
  checkedAt: c.checkedAt.toISOString(),
});

export const toIncidentResponse = (i: IncidentRow): MonitorIncident => ({
  id: i.id,
  startedAt: i.startedAt.toISOString(),
  resolvedAt: iso(i.resolvedAt),
  cause: i.cause,
  durationMs: i.resolvedAt ? i.resolvedAt.getTime() - i.startedAt.getTime() : null,
});
