import { Inject, Injectable } from '@nestjs/common';
import { type InboundEndpointRow, newId } from '@hourglass/db';
import { verifyWebhook } from '@hourglass/crypto';
import { AppError, ErrorCode } from '@hourglass/domain';
import { LATENCY_BUCKETS, Metrics } from '@hourglass/platform';
import type { Counter, Histogram } from 'prom-client';
import { EndpointRateLimiter } from './endpoint-rate-limiter.js';
import { type ReceivedRequest, slackChallenge } from './inbound-request.js';
import { IngestWriter } from './ingest-writer.js';
import { EndpointCache } from './endpoint-cache.js';

/** What `/in/<slug>` answers once the request is committed. */
export type IngestAnswer =
  { kind: 'accepted'; eventId: string; endpoint: InboundEndpointRow } | { kind: 'challenge'; challenge: string };

const SLUG = /^[\w-]{1,64}$/;
const FOREIGN_KEY_VIOLATION = '23503';
/** The histogram's outcome of a request refused before it was stored (a closed set: a bounded label). */
const REFUSALS: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.ENDPOINT_NOT_FOUND]: 'not_found',
  [ErrorCode.PAYLOAD_TOO_LARGE]: 'too_large',
  [ErrorCode.RATE_LIMITED]: 'rate_limited',
  [ErrorCode.ENDPOINT_PAUSED]: 'paused_refused',
};
const refusalOf = (error: unknown) => (error instanceof AppError ? REFUSALS[error.code] : undefined) ?? 'failed';
const notFound = () => new AppError(ErrorCode.ENDPOINT_NOT_FOUND, 'No endpoint receives at this URL');

/**
 * The public ingest (docs/decisions/0020): checks a request against its endpoint (size, rate,
 * pause, signature) and has it stored with its dedup claim and forward tasks; only the commit is
 * acknowledged. A database failure anywhere is a 503 with Retry-After (the problem filter), never
 * a 4xx that makes a provider give up.
 */
@Injectable()
export class IngestService {
  private readonly received: Counter<'provider' | 'outcome'>;
  private readonly duration: Histogram<'provider' | 'outcome'>;

  constructor(
    @Inject(EndpointCache) private readonly endpoints: EndpointCache,
    @Inject(IngestWriter) private readonly writer: IngestWriter,
    @Inject(EndpointRateLimiter) private readonly rates: EndpointRateLimiter,
    @Inject(Metrics) metrics: Metrics,
  ) {
    this.received = metrics.counter(
      'hourglass_inbound_requests_total',
      'Inbound webhook requests stored, by verifier and outcome (forwarded, stored, rejected, duplicate, paused, challenge)',
      ['provider', 'outcome'],
    );
    this.duration = metrics.histogram(
      'hourglass_inbound_ingest_duration_seconds',
      'Inbound webhook requests from routing to the answer (a 2xx only after COMMIT), by verifier and outcome ' +
        '(as hourglass_inbound_requests_total, or refused before storing: not_found, too_large, rate_limited, ' +
        'paused_refused, failed)',
      ['provider', 'outcome'],
      LATENCY_BUCKETS,
    );
  }

  async receive(slug: string, request: ReceivedRequest, traceparent: string): Promise<IngestAnswer> {
    const started = performance.now();
    const seen: { endpoint?: InboundEndpointRow; outcome?: string } = {};
    try {
      return await this.ingest(slug, request, traceparent, seen);
    } catch (error) {
      seen.outcome ??= refusalOf(error);
      throw error;
    } finally {
      const provider = seen.endpoint?.verify.provider ?? 'unknown';
      this.duration.observe({ provider, outcome: seen.outcome ?? 'failed' }, (performance.now() - started) / 1_000);
    }
  }

  private async ingest(
    slug: string,
    request: ReceivedRequest,
    traceparent: string,
    seen: { endpoint?: InboundEndpointRow; outcome?: string },
  ): Promise<IngestAnswer> {
    const endpoint = SLUG.test(slug) ? await this.endpoints.bySlug(slug) : null;
    if (!endpoint) throw notFound();
    seen.endpoint = endpoint;
    await this.rates.admit(endpoint);
    if (request.body.length > endpoint.bodyLimit)
      throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `This endpoint accepts bodies up to ${endpoint.bodyLimit} bytes`);
    if (endpoint.paused && endpoint.pausedMode === 'refuse')
      throw new AppError(ErrorCode.ENDPOINT_PAUSED, 'This endpoint is paused; retry later');
    const rejection = verifyWebhook(endpoint.verify, request);
    const challenge = rejection === null && endpoint.verify.provider === 'slack' ? slackChallenge(request) : null;
    const eventId = newId();
    const outcome = await this.writer
      .store({ eventId, endpoint, request, rejection, challenge: challenge !== null, traceparent })
      .catch((error: unknown) => {
        // The endpoint (or its org) was deleted since it was cached: gone, as a lookup now finds it.
        if ((error as { code?: unknown }).code !== FOREIGN_KEY_VIOLATION) throw error;
        this.endpoints.evict(endpoint.id);
        throw notFound();
      });
    seen.outcome = outcome;
    this.received.inc({ provider: endpoint.verify.provider, outcome });
    if (rejection !== null) throw new AppError(ErrorCode.SIGNATURE_INVALID, `Signature not verified: ${rejection}`);
    return challenge !== null ? { kind: 'challenge', challenge } : { kind: 'accepted', eventId, endpoint };
  }
}
