import { Inject, Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { APP_CONFIG, AppLogger, Metrics, Readiness, informational } from '@hourglass/platform';
import type { SchedulerConfig } from '../config.js';
import { LeaderLock } from './leader-lock.js';

/** Owns the leader lock; loops that must run on one replica only subscribe to `acquired`/`lost`. */
@Injectable()
export class LeaderService
  extends EventEmitter<{ acquired: []; lost: [] }>
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly lock: LeaderLock;

  constructor(
    @Inject(APP_CONFIG) config: SchedulerConfig,
    @Inject(AppLogger) private readonly logger: AppLogger,
    @Inject(Metrics) metrics: Metrics,
    @Inject(Readiness) readiness: Readiness,
  ) {
    super();
    const gauge = metrics.gauge('hourglass_scheduler_leader', '1 while this scheduler replica holds leadership');
    gauge.set(0);
    this.lock = new LeaderLock({
      url: config.db.url,
      ...config.leader,
      onAcquired: () => {
        gauge.set(1);
        this.logger.log('took scheduler leadership', 'Leader');
        this.emit('acquired');
      },
      onLost: (error) => {
        gauge.set(0);
        this.logger.warn({ msg: 'lost scheduler leadership', err: error }, 'Leader');
        this.emit('lost');
      },
    });
    readiness.add(informational('leader', () => ({ leading: this.lock.leading })));
  }

  get leading(): boolean {
    return this.lock.leading;
  }

  /** Still leading, checked on the lock's own connection: call before each tick. */
  confirm(): Promise<boolean> {
    return this.lock.confirm();
  }

  onApplicationBootstrap(): void {
    this.lock.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.lock.stop();
  }
}
