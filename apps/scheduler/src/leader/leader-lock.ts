import pg from 'pg';
import { DbLock } from '@hourglass/db';

export interface LeaderLockOptions {
  url: string;
  retryMs: number;
  checkMs: number;
  onAcquired: () => void;
  /** Leadership is gone (the lock's connection failed). The service must stop ticking. */
  onLost: (error: Error) => void;
}

/**
 * Scheduler leadership: `pg_try_advisory_lock` held on a dedicated connection for as long as this
 * process leads. Postgres releases the lock when that session ends, so a dead leader's lock frees
 * itself and a standby retrying every `retryMs` takes over. Exactly-once does not rest on this
 * lock (occurrences are deduplicated by a unique key); it only keeps the work on one replica.
 */
export class LeaderLock {
  private client?: pg.Client;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  leading = false;

  constructor(private readonly options: LeaderLockOptions) {}

  start(): void {
    this.stopped = false;
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.leading = false;
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  /** Checks the lock's connection now (before a tick); a failure loses leadership at once. */
  async confirm(): Promise<boolean> {
    if (!this.leading || !this.client) return false;
    try {
      await this.client.query('SELECT 1');
      return this.leading;
    } catch (error) {
      this.lose(error as Error);
      return false;
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void (this.leading ? this.check() : this.attempt()), ms);
  }

  private async attempt(): Promise<void> {
    try {
      if (!this.client) {
        const client = new pg.Client({
          connectionString: this.options.url,
          application_name: 'hourglass-scheduler-leader',
        });
        client.on('error', (error) => this.lose(error));
        await client.connect();
        this.client = client;
      }
      const { rows } = await this.client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        DbLock.SchedulerLeader,
      ]);
      if (rows[0]?.locked && !this.stopped) {
        this.leading = true;
        this.options.onAcquired();
        this.schedule(this.options.checkMs);
        return;
      }
    } catch {
      await this.client?.end().catch(() => undefined);
      this.client = undefined;
    }
    this.schedule(this.options.retryMs);
  }

  private async check(): Promise<void> {
    try {
      await this.client!.query('SELECT 1');
      this.schedule(this.options.checkMs);
    } catch (error) {
      this.lose(error as Error);
    }
  }

  private lose(error: Error): void {
    const wasLeading = this.leading;
    this.leading = false;
    void this.client?.end().catch(() => undefined);
    this.client = undefined;
    clearTimeout(this.timer);
    if (wasLeading) this.options.onLost(error);
    this.schedule(this.options.retryMs);
  }
}
