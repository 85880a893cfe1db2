import { Inject, Injectable, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { Channel, InboundEndpointRepository, type InboundEndpointRow, Listener } from '@hourglass/db';
import { APP_CONFIG, AppLogger, loggableError } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';

const TTL_MS = 10_000;
const MAX_CACHED = 10_000;

interface Cached {
  endpoint: InboundEndpointRow;
  validUntil: number;
}

/**
 * Endpoints by slug for the ingest (docs/decisions/0020): the hot path then reads no endpoint row.
 * Every change of an endpoint (edit, pause, slug rotation, delete) and every org deletion is a
 * NOTIFY at its commit that each replica's listener turns into an eviction, so a change applies
 * everywhere within a round trip. Entries are served only while the listener is connected (a
 * notification missed while it was not cannot leave a stale entry), and expire after 10 s anyway.
 */
@Injectable()
export class EndpointCache implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly cache = new Map<string, Cached>();
  private readonly lookups = new Map<string, Promise<InboundEndpointRow | null>>();
  /** Bumped by every eviction: a lookup that overlapped one does not cache what it read. */
  private generation = 0;
  private live = false;
  private readonly listener: Listener;

  constructor(
    @Inject(InboundEndpointRepository) private readonly endpoints: InboundEndpointRepository,
    @Inject(APP_CONFIG) config: ApiGatewayConfig,
    @Inject(AppLogger) logger: AppLogger,
  ) {
    this.listener = new Listener({
      url: config.db.url,
      channels: [Channel.InboundEndpointsChanged, Channel.OrgDeleted],
      onNotify: (channel, id) =>
        this.evictWhere((e) => (channel === Channel.OrgDeleted ? e.orgId === id : e.id === id)),
      onConnect: () => {
        this.evictWhere(() => true);
        this.live = true;
      },
      onError: (error) => {
        this.live = false;
        this.evictWhere(() => true);
        logger.pino.warn({ err: loggableError(error) }, 'endpoint cache listener disconnected');
      },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.listener.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.live = false;
    await this.listener.stop();
  }

  /** The endpoint at `slug`, or null. Concurrent misses of one slug share one lookup. */
  async bySlug(slug: string): Promise<InboundEndpointRow | null> {
    const cached = this.cache.get(slug);
    if (cached && this.live && cached.validUntil > Date.now()) return cached.endpoint;
    let lookup = this.lookups.get(slug);
    if (!lookup) {
      lookup = this.lookUp(slug).finally(() => this.lookups.delete(slug));
      this.lookups.set(slug, lookup);
    }
    return lookup;
  }

  /** Drops an endpoint this process found gone (a write naming it failed its foreign key). */
  evict(endpointId: string): void {
    this.evictWhere((e) => e.id === endpointId);
  }

  private async lookUp(slug: string): Promise<InboundEndpointRow | null> {
    const generation = this.generation;
    const endpoint = await this.endpoints.findBySlug(slug);
    if (!endpoint || !this.live || generation !== this.generation) return endpoint;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(slug, { endpoint, validUntil: Date.now() + TTL_MS });
    return endpoint;
  }

  private evictWhere(matches: (endpoint: InboundEndpointRow) => boolean): void {
    this.generation++;
    // Requests from now on look the slug up afresh rather than join a lookup that began before.
    this.lookups.clear();
    for (const [slug, entry] of this.cache) if (matches(entry.endpoint)) this.cache.delete(slug);
  }
}
