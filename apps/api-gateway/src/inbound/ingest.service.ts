import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  type ForwardConfig,
  InboundEndpointRepository,
  type InboundEndpointRow,
  InboundEventRepository,
  type InboundEventStatus,
  newId,
  type TaskEntity,
} from '@hourglass/db';
import { verifyWebhook } from '@hourglass/crypto';
import { type Actor, AppError, ErrorCode } from '@hourglass/domain';
import { TaskWriter } from '../tasks/task-writer.js';
import { newTask } from '../tasks/tasks.service.js';
import type { CreateTaskDto } from '../tasks/tasks.dto.js';
import { EndpointRateLimiter } from './endpoint-rate-limiter.js';
import { dedupKeyOf, forwardHeaders, matches, type ReceivedRequest, slackChallenge } from './inbound-request.js';

/** What `/in/<slug>` answers once the request is committed. */
export type IngestAnswer =
  { kind: 'accepted'; eventId: string; endpoint: InboundEndpointRow } | { kind: 'challenge'; challenge: string };

const SLUG = /^[\w-]{1,64}$/;

/**
 * The public ingest (docs/decisions/0020): the raw request is stored in one transaction with its
 * dedup claim and its forward tasks, and only its commit is acknowledged. A database failure
 * anywhere is a 503 with Retry-After (the problem filter), never a 4xx that makes a provider give up.
 */
@Injectable()
export class IngestService {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(InboundEndpointRepository) private readonly endpoints: InboundEndpointRepository,
    @Inject(InboundEventRepository) private readonly events: InboundEventRepository,
    @Inject(TaskWriter) private readonly writer: TaskWriter,
    @Inject(EndpointRateLimiter) private readonly rates: EndpointRateLimiter,
  ) {}

  async receive(slug: string, request: ReceivedRequest, traceparent: string): Promise<IngestAnswer> {
    const endpoint = SLUG.test(slug) ? await this.endpoints.findBySlug(slug) : null;
    if (!endpoint) throw new AppError(ErrorCode.ENDPOINT_NOT_FOUND, 'No endpoint receives at this URL');
    await this.rates.admit(endpoint);
    if (request.body.length > endpoint.bodyLimit)
      throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `This endpoint accepts bodies up to ${endpoint.bodyLimit} bytes`);
    if (endpoint.paused && endpoint.pausedMode === 'refuse')
      throw new AppError(ErrorCode.ENDPOINT_PAUSED, 'This endpoint is paused; retry later');
    const rejection = verifyWebhook(endpoint.verify, request);
    const challenge = rejection === null && endpoint.verify.provider === 'slack' ? slackChallenge(request) : null;
    const eventId = newId();
    await this.db.transaction(async (em) => {
      const { status, dedupKey, duplicateOf, forwards } = await this.triage(em, endpoint, request, eventId, {
        rejected: rejection !== null,
        challenge: challenge !== null,
      });
      await this.events.insert(
        {
          id: eventId,
          orgId: endpoint.orgId,
          endpointId: endpoint.id,
          method: request.method,
          path: request.path,
          query: request.query,
          headers: request.headers,
          body: request.body.length > 0 ? request.body : null,
          verified: rejection === null,
          rejection,
          status,
          dedupKey,
          duplicateOf,
        },
        em,
      );
      await this.forward(em, endpoint, eventId, request, forwards, traceparent);
    });
    if (rejection !== null) throw new AppError(ErrorCode.SIGNATURE_INVALID, `Signature not verified: ${rejection}`);
    return challenge !== null ? { kind: 'challenge', challenge } : { kind: 'accepted', eventId, endpoint };
  }

  /**
   * Writes one task per forward (through the one task writer, audited as created by the endpoint)
   * and links each to the event. Also the replay path.
   */
  async forward(
    em: EntityManager,
    endpoint: InboundEndpointRow,
    eventId: string,
    request: Pick<ReceivedRequest, 'headers' | 'body'>,
    forwards: ForwardConfig[],
    traceparent: string,
  ): Promise<TaskEntity[]> {
    if (forwards.length === 0) return [];
    const now = new Date();
    const body = request.body.length > 0 ? request.body.toString('utf8') : undefined;
    const tasks = forwards.map((forward) =>
      newTask(
        endpoint.orgId,
        {
          request: {
            url: forward.url,
            method: 'POST',
            headers: forwardHeaders(forward, request as ReceivedRequest, { eventId, endpointId: endpoint.id }),
            body,
          },
        } as CreateTaskDto,
        traceparent,
        now,
      ),
    );
    const actor: Actor = { type: 'endpoint', id: endpoint.id };
    const written = await this.writer.insertBatch(
      em,
      tasks,
      tasks.map(() => actor),
    );
    await this.events.linkForwards(
      em,
      forwards.map((forward, i) => ({ eventId, forwardId: forward.id, taskId: written[i]!.id })),
    );
    return written;
  }

  /** What becomes of the request: the dedup claim (only for verified requests) and the forwards it goes to. */
  private async triage(
    em: EntityManager,
    endpoint: InboundEndpointRow,
    request: ReceivedRequest,
    eventId: string,
    seen: { rejected: boolean; challenge: boolean },
  ): Promise<{
    status: InboundEventStatus;
    dedupKey: string | null;
    duplicateOf: string | null;
    forwards: ForwardConfig[];
  }> {
    const none = { dedupKey: null, duplicateOf: null, forwards: [] };
    if (seen.rejected) return { status: 'rejected', ...none };
    if (seen.challenge) return { status: 'challenge', ...none };
    const dedupKey = dedupKeyOf(endpoint, request);
    if (dedupKey) {
      const holder = await this.events.claimDedupKey(endpoint.id, dedupKey, eventId, endpoint.dedupWindowMs, em);
      if (holder !== eventId) return { status: 'duplicate', dedupKey, duplicateOf: holder, forwards: [] };
    }
    if (endpoint.paused) return { status: 'paused', dedupKey, duplicateOf: null, forwards: [] };
    const forwards = endpoint.forwards.filter((forward) => matches(forward.filter, request));
    return { status: forwards.length > 0 ? 'forwarded' : 'stored', dedupKey, duplicateOf: null, forwards };
  }
}
