import { type Channel, Listener } from '@hourglass/db';
import type { AppLogger } from '@hourglass/platform';
import { Waker } from '../tick/waker.js';
import type { LeaderService } from './leader.service.js';

const ERROR_BACKOFF_MS = 1_000;

export interface LeaderLoopOptions {
  url: string;
  /** NOTIFY channel that wakes the loop (and a reconnect: changes made while it was down were not heard). */
  channel: Channel;
  leader: LeaderService;
  logger: AppLogger;
  /** Logger context, and the messages of a listener error and of a failed pass. */
  context: string;
  listenerFailed: string;
  passFailed: string;
  /** Whether each pass first confirms the lock is still held (a pass that writes as the leader). */
  confirm: boolean;
  /** One pass; resolves with how long to sleep before the next unless woken. */
  pass: (leading: () => boolean) => Promise<number>;
  /** Called on every stop, before the running pass is awaited. */
  onStop?: () => void;
}

/**
 * The skeleton of a leader-only loop: runs while this scheduler leads, a pass then a sleep cut
 * short by a NOTIFY, 1 s back-off after an error. Losing leadership stops it at once.
 */
export class LeaderLoop {
  private readonly waker = new Waker();
  private readonly listener: Listener;
  private running?: Promise<void>;
  private active = false;
  /** Bumped by every start and stop: a loop from an earlier leadership ends even if leadership came back. */
  private generation = 0;

  constructor(private readonly options: LeaderLoopOptions) {
    const { logger, context } = options;
    this.listener = new Listener({
      url: options.url,
      channels: [options.channel],
      onNotify: () => this.waker.wake(),
      onConnect: () => this.waker.wake(),
      onError: (error) => logger.warn({ msg: options.listenerFailed, err: error }, context),
    });
  }

  /** Starts on every acquired leadership and stops on every loss. */
  follow(): void {
    this.options.leader.on('acquired', () => void this.start());
    this.options.leader.on('lost', () => void this.stop());
  }

  async start(): Promise<void> {
    if (this.active) return;
    this.active = true;
    const generation = ++this.generation;
    await this.running;
    await this.listener.start();
    this.running = this.loop(generation);
  }

  async stop(): Promise<void> {
    this.active = false;
    this.generation++;
    this.options.onStop?.();
    this.waker.wake();
    await this.listener.stop();
    await this.running;
  }

  private async loop(generation: number): Promise<void> {
    const { leader, logger, context } = this.options;
    const leading = () => this.active && generation === this.generation && leader.leading;
    while (leading()) {
      try {
        if (this.options.confirm && !(await leader.confirm())) break;
        const ms = await this.options.pass(leading);
        if (!leading()) break;
        await this.waker.sleep(ms);
      } catch (error) {
        logger.warn({ msg: this.options.passFailed, err: error }, context);
        await this.waker.sleep(ERROR_BACKOFF_MS);
      }
    }
  }
}
