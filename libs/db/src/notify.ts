import pg from 'pg';
import type { EntityManager } from 'typeorm';

/** NOTIFY channels. A notification is a latency hint carrying an id; polling is the truth. */
export const Channel = {
  /**
   * Delivery jobs are ready now (payload 'ready', not read; sent by the task writer's `wake`). Dispatchers wake their
   * fetch loop.
   */
  TasksReady: 'hourglass_tasks_ready',
  /**
   * A schedule was created, changed, paused, resumed or deleted (payload: schedule id). The scheduler re-plans its
   * sleep.
   */
  SchedulesChanged: 'hourglass_schedules_changed',
  /** An org's signing secrets were rotated or revoked (payload: org id). Dispatchers drop their cached copy. */
  SigningSecretsChanged: 'hourglass_signing_secrets_changed',
  /** An org was deleted (payload: org id). Dispatchers drop its data keys and secrets at once. */
  OrgDeleted: 'hourglass_org_deleted',
  /** A notification event was raised (payload empty). The scheduler's leader fans it out to channels. */
  NotificationEvents: 'hourglass_notification_events',
  /**
   * A monitor was created, changed, pinged into a new deadline, paused or deleted (payload: monitor id). The
   * scheduler's leader re-plans its deadline sleep.
   */
  MonitorsChanged: 'hourglass_monitors_changed',
  /**
   * An inbound endpoint was changed, paused, resumed, given a new slug or deleted (payload: endpoint id). API
   * gateways drop their cached copy.
   */
  InboundEndpointsChanged: 'hourglass_inbound_endpoints_changed',
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

/** Sends on COMMIT of `em`'s transaction (Postgres holds NOTIFYs until then), or at once outside one. */
export async function notify(em: EntityManager, channel: Channel, payload: string): Promise<void> {
  await em.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

export interface ListenerOptions {
  url: string;
  channels: Channel[];
  onNotify: (channel: Channel, payload: string) => void;
  /** Called after every (re)connect: notifications may have been missed, so poll now. */
  onConnect?: () => void;
  onError?: (error: Error) => void;
  heartbeatMs?: number;
}

/**
 * LISTEN on a dedicated client (never a pooled one, whose session can change hands), with a
 * heartbeat to notice a dead connection and reconnect with capped backoff.
 */
export class Listener {
  private client?: pg.Client;
  private heartbeat?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private failures = 0;

  constructor(private readonly options: ListenerOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url, application_name: 'hourglass-listener' });
    client.on('notification', (msg) => this.options.onNotify(msg.channel as Channel, msg.payload ?? ''));
    client.on('error', (error) => this.reconnect(error));
    try {
      await client.connect();
      for (const channel of this.options.channels) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.reconnect(error as Error);
      return;
    }
    this.client = client;
    this.failures = 0;
    this.heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((error: Error) => this.reconnect(error));
    }, this.options.heartbeatMs ?? 10_000);
    this.heartbeat.unref();
    this.options.onConnect?.();
  }

  private reconnect(error: Error): void {
    if (this.stopped || this.retryTimer) return;
    this.options.onError?.(error);
    clearInterval(this.heartbeat);
    const dead = this.client;
    this.client = undefined;
    void dead?.end().catch(() => undefined);
    const delay = Math.min(10_000, 250 * 2 ** this.failures++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}
