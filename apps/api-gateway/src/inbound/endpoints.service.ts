import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AuditTrail,
  Channel,
  notify,
  type ForwardConfig,
  InboundEndpointRepository,
  type InboundEndpointPatch,
  type InboundEndpointRow,
  newId,
  type VerifyConfig,
} from '@hourglass/db';
import { type Actor, AppError, ErrorCode, parseDuration } from '@hourglass/domain';
import { APP_CONFIG } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import { entry } from '../audit/audit-entries.js';
import { EndpointCache } from './endpoint-cache.js';
import {
  type CreateEndpointDto,
  DEFAULT_BODY_LIMIT,
  DEFAULT_DEDUP_WINDOW,
  DEFAULT_TOLERANCE_SECONDS,
  type ForwardDto,
  type UpdateEndpointDto,
  type VerifyDto,
} from './endpoints.dto.js';
import { type Endpoint, type EndpointPage, toEndpointResponse } from './endpoints.responses.js';

/** What an audit entry shows of an endpoint: settings, never secrets or forward URLs. */
const AUDITED = ['name', 'slug', 'dedupKey', 'dedupWindowMs', 'ordered', 'bodyLimit', 'paused', 'pausedMode'] as const;

/** 24 random bytes: the slug is the only credential of `/in/<slug>`, so it must not be guessable. */
const newSlug = () => randomBytes(24).toString('base64url');

@Injectable()
export class EndpointsService {
  private readonly publicBase: string;

  constructor(
    @Inject(InboundEndpointRepository) private readonly endpoints: InboundEndpointRepository,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(EndpointCache) private readonly cache: EndpointCache,
    @Inject(APP_CONFIG) config: ApiGatewayConfig,
  ) {
    this.publicBase = (config.http.publicUrl ?? `http://localhost:${config.http.port}`).replace(/\/+$/, '');
  }

  async create(orgId: string, actor: Actor, dto: CreateEndpointDto): Promise<Endpoint> {
    const row = await this.db.transaction(async (em) => {
      const written = await this.endpoints.insert(
        {
          id: newId(),
          orgId,
          name: dto.name,
          slug: newSlug(),
          verify: verifyOf(dto.verify),
          forwards: forwardsOf(dto.forward ?? [], []),
          dedupKey: dto.dedup?.key ?? null,
          dedupWindowMs: parseDuration(dto.dedup?.window ?? DEFAULT_DEDUP_WINDOW)!,
          ordered: dto.ordered ?? false,
          bodyLimit: dto.bodyLimit ?? DEFAULT_BODY_LIMIT,
          response: responseOf(dto.response),
          paused: false,
          pausedMode: dto.whilePaused ?? 'store',
          rateLimit: rateLimitOf(dto.rateLimit),
        },
        em,
      );
      await this.audit.record(em, [entry(actor, orgId, 'endpoint.created', written.id, null, written, AUDITED)]);
      return written;
    });
    return this.view(row);
  }

  async list(orgId: string, limit = 20, cursor?: string): Promise<EndpointPage> {
    const page = await this.endpoints.list(orgId, limit, cursor);
    return { data: page.data.map((row) => this.view(row)), nextCursor: page.nextCursor };
  }

  async get(orgId: string, id: string): Promise<Endpoint> {
    const row = await this.endpoints.find(orgId, id);
    if (!row) throw notFound(id);
    return this.view(row);
  }

  update(orgId: string, actor: Actor, id: string, dto: UpdateEndpointDto): Promise<Endpoint> {
    return this.patch(orgId, actor, 'updated', id, (before) => ({
      ...(dto.name === undefined ? {} : { name: dto.name }),
      ...(dto.verify ? { verify: verifyOf(dto.verify, before.verify) } : {}),
      ...(dto.forward ? { forwards: forwardsOf(dto.forward, before.forwards) } : {}),
      ...(dto.dedup?.key === undefined ? {} : { dedupKey: dto.dedup.key }),
      ...(dto.dedup?.window === undefined ? {} : { dedupWindowMs: parseDuration(dto.dedup.window)! }),
      ...(dto.ordered === undefined ? {} : { ordered: dto.ordered }),
      ...(dto.bodyLimit === undefined ? {} : { bodyLimit: dto.bodyLimit }),
      ...(dto.response === undefined ? {} : { response: responseOf(dto.response) }),
      ...(dto.whilePaused === undefined ? {} : { pausedMode: dto.whilePaused }),
      ...(dto.rateLimit === undefined ? {} : { rateLimit: rateLimitOf(dto.rateLimit) }),
    }));
  }

  pause(orgId: string, actor: Actor, id: string): Promise<Endpoint> {
    return this.patch(orgId, actor, 'paused', id, () => ({ paused: true }));
  }

  resume(orgId: string, actor: Actor, id: string): Promise<Endpoint> {
    return this.patch(orgId, actor, 'resumed', id, () => ({ paused: false }));
  }

  /** A new slug at once: the old URL is 404 from this commit on (give providers the new one first). */
  rotateUrl(orgId: string, actor: Actor, id: string): Promise<Endpoint> {
    return this.patch(orgId, actor, 'url_rotated', id, () => ({ slug: newSlug() }));
  }

  async delete(orgId: string, actor: Actor, id: string): Promise<void> {
    const deleted = await this.db.transaction(async (em) => {
      const gone = await this.endpoints.delete(orgId, id, em);
      if (!gone) return false;
      await this.audit.record(em, [entry(actor, orgId, 'endpoint.deleted', id, null, null)]);
      await notify(em, Channel.InboundEndpointsChanged, id);
      return gone;
    });
    if (!deleted) throw notFound(id);
    this.cache.evict(id);
  }

  private async patch(
    orgId: string,
    actor: Actor,
    verb: string,
    id: string,
    change: (before: InboundEndpointRow) => InboundEndpointPatch,
  ): Promise<Endpoint> {
    const row = await this.db.transaction(async (em) => {
      const before = await this.endpoints.find(orgId, id, em);
      const after = before && (await this.endpoints.update(orgId, id, change(before), em));
      if (!before || !after) return null;
      await this.audit.record(em, [entry(actor, orgId, `endpoint.${verb}`, id, before, after, AUDITED)]);
      // Every replica's ingest drops its cached copy at commit.
      await notify(em, Channel.InboundEndpointsChanged, id);
      return after;
    });
    if (!row) throw notFound(id);
    // This replica at once; the others on the NOTIFY.
    this.cache.evict(id);
    return this.view(row);
  }

  private view(row: InboundEndpointRow): Endpoint {
    return toEndpointResponse(row, this.publicBase);
  }
}

export const notFound = (id: string) =>
  new AppError(ErrorCode.ENDPOINT_NOT_FOUND, `No endpoint ${id.slice(0, 100)} in this organization`);

const invalid = (field: string, message: string) =>
  new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [{ field, message }]);

/** A verifier needs its secrets (and `hmac` its header); a PATCH without secrets keeps the stored ones. */
function verifyOf(dto: VerifyDto | undefined, before?: VerifyConfig): VerifyConfig {
  if (!dto) return { provider: 'none', secrets: [], toleranceSeconds: DEFAULT_TOLERANCE_SECONDS };
  const secrets = dto.secrets ?? (before?.provider === dto.provider ? before.secrets : []);
  if (dto.provider !== 'none' && secrets.length === 0)
    throw invalid('verify.secrets', `${dto.provider} needs a secret`);
  if (dto.provider === 'hmac' && !dto.header) throw invalid('verify.header', 'hmac needs the signature header');
  return {
    provider: dto.provider,
    secrets: dto.provider === 'none' ? [] : secrets,
    toleranceSeconds: dto.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS,
    ...(dto.provider === 'hmac'
      ? {
          header: dto.header!.toLowerCase(),
          algorithm: dto.algorithm ?? 'sha256',
          encoding: dto.encoding ?? 'hex',
          prefix: dto.prefix ?? '',
        }
      : {}),
  };
}

/** A forward naming an id keeps it only if it is one of the endpoint's (else 400): events stay linked to it. */
function forwardsOf(dtos: ForwardDto[], before: ForwardConfig[]): ForwardConfig[] {
  const known = new Set(before.map((f) => f.id));
  return dtos.map((dto, i) => {
    if (dto.id && !known.has(dto.id)) throw invalid(`forward[${i}].id`, 'is not a forward of this endpoint');
    return {
      id: dto.id ?? newId(),
      url: dto.url,
      filter: dto.filter ?? null,
      headers: (dto.allowHeaders ?? []).map((name) => name.toLowerCase()),
    };
  });
}

function responseOf(dto: CreateEndpointDto['response']): InboundEndpointRow['response'] {
  if (!dto) return null;
  return { status: dto.status, body: dto.body ?? '', contentType: dto.contentType ?? 'text/plain; charset=utf-8' };
}

function rateLimitOf(dto: CreateEndpointDto['rateLimit']): InboundEndpointRow['rateLimit'] {
  return dto ? { count: dto.count, perSeconds: dto.per === 'minute' ? 60 : 1 } : null;
}
