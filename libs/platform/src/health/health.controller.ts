import { Controller, Get, Header, Inject } from '@nestjs/common';
import { AppError, ErrorCode } from '@hourglass/domain';
import { Public } from '../http/public.decorator.js';
import { AppLogger } from '../logging/app-logger.js';
import { Metrics } from '../metrics/metrics.js';
import { Readiness, redactSecrets, type CheckResult } from './readiness.js';

/**
 * /healthz, /readyz and /metrics, public on every service. /readyz answers only ok or not ok
 * (200 `{"status":"ok"}`, or 503 problem+json UNAVAILABLE): which check failed and why goes to the
 * logs, once per change, so a probe hitting it every few seconds does not flood them.
 */
@Public()
@Controller()
export class HealthController {
  /** Each check's last logged state ("ok" or its failure), to log changes only. */
  private readonly logged = new Map<string, string>();

  constructor(
    @Inject(Readiness) private readonly readiness: Readiness,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(AppLogger) private readonly logger: AppLogger,
  ) {}

  /** Liveness: the process answers. Never touches the database, so a DB outage does not restart pods. */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  @Get('readyz')
  async readyz() {
    const { ready, checks } = await this.readiness.run();
    for (const [name, result] of Object.entries(checks)) this.logChange(name, result);
    if (!ready) throw new AppError(ErrorCode.UNAVAILABLE, 'The service is not ready; its logs say why');
    return { status: 'ok' };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText() {
    return this.metrics.registry.metrics();
  }

  private logChange(name: string, result: CheckResult): void {
    const detail = result.detail === undefined ? undefined : redactSecrets(JSON.stringify(result.detail));
    const state = result.ok ? 'ok' : `failing ${detail ?? ''}`;
    const before = this.logged.get(name);
    if (state === before || (before === undefined && result.ok)) return;
    this.logged.set(name, state);
    if (result.ok) this.logger.log({ msg: 'readiness check passes again', check: name }, 'Readiness');
    else this.logger.warn({ msg: 'readiness check failing', check: name, detail }, 'Readiness');
  }
}
