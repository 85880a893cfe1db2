import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { InboundEndpointRepository, InboundEventRepository } from '@hourglass/db';
import { AppError, ErrorCode } from '@hourglass/domain';
import { toTaskResponse, type TaskResponse } from '../tasks/tasks.dto.js';
import { traceparentFor } from '../tasks/traceparent.js';
import { notFound as endpointNotFound } from './endpoints.service.js';
import {
  type BulkReplayEventsDto,
  type InboundEvent,
  type InboundEventPage,
  type ListEventsQuery,
  toEventResponse,
} from './events.dto.js';
import type { BulkActionResponse } from '../tasks/tasks-edit.dto.js';
import { matches, parseJson } from './inbound-request.js';
import { forwardTasks, IngestWriter } from './ingest-writer.js';

const BULK_BATCH = 100;
const MAX_BULK = 10_000;

const eventNotFound = (id: string) =>
  new AppError(ErrorCode.EVENT_NOT_FOUND, `No event ${id.slice(0, 100)} in this organization`);

@Injectable()
export class EventsService {
  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(InboundEndpointRepository) private readonly endpoints: InboundEndpointRepository,
    @Inject(InboundEventRepository) private readonly events: InboundEventRepository,
    @Inject(IngestWriter) private readonly writer: IngestWriter,
  ) {}

  async list(orgId: string, endpointId: string, query: ListEventsQuery): Promise<InboundEventPage> {
    if (!(await this.endpoints.find(orgId, endpointId))) throw endpointNotFound(endpointId);
    const page = await this.events.list(orgId, endpointId, {
      limit: query.limit ?? 20,
      cursor: query.cursor,
      verified: query.verified === undefined ? undefined : query.verified === 'true',
      status: query.status,
      receivedAfter: query.receivedAfter ? new Date(query.receivedAfter) : undefined,
      receivedBefore: query.receivedBefore ? new Date(query.receivedBefore) : undefined,
    });
    const forwards = await this.events.forwardsOf(
      orgId,
      page.data.map((row) => row.id),
    );
    return { data: page.data.map((row) => toEventResponse(row, forwards)), nextCursor: page.nextCursor };
  }

  async get(orgId: string, id: string): Promise<InboundEvent> {
    const row = await this.events.find(orgId, id);
    if (!row) throw eventNotFound(id);
    return toEventResponse(row, await this.events.forwardsOf(orgId, [id]));
  }

  /**
   * Replays the endpoint's verified events that pass the filter, newest first, a batch of events per
   * transaction (each to its matching forwards); `dryRun` only counts. At most MAX_BULK events a call.
   */
  async replayMatching(orgId: string, endpointId: string, dto: BulkReplayEventsDto): Promise<BulkActionResponse> {
    const endpoint = await this.endpoints.find(orgId, endpointId);
    if (!endpoint) throw endpointNotFound(endpointId);
    const filter = {
      verified: true,
      status: dto.filter?.status,
      receivedAfter: dto.filter?.receivedAfter ? new Date(dto.filter.receivedAfter) : undefined,
      receivedBefore: dto.filter?.receivedBefore ? new Date(dto.filter.receivedBefore) : undefined,
    };
    const matched = await this.events.count(orgId, endpointId, filter);
    if (dto.dryRun || matched === 0) return { matched, affected: 0 };
    let affected = 0;
    let cursor: string | undefined;
    while (affected < MAX_BULK) {
      const page = await this.events.list(orgId, endpointId, { ...filter, cursor, limit: BULK_BATCH });
      const writes = page.data.map((event) => {
        const request = { ...event, body: event.body ?? Buffer.alloc(0) };
        const forwards = endpoint.forwards.filter((f) =>
          matches(f.filter, { ...request, json: parseJson(request.body) }),
        );
        const tasks = forwardTasks(endpoint, event.id, request, forwards, traceparentFor(undefined));
        return { endpoint, eventId: event.id, forwards, tasks };
      });
      await this.db.transaction((em) => this.writer.writeForwards(em, writes));
      affected += page.data.length;
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { matched, affected };
  }

  /**
   * Sends the stored request again as new forward tasks: to the named forwards of the endpoint as
   * it is now (so a forward added after the event arrived can get it), or to every forward whose
   * filter matches. A request that failed verification is never forwarded (409).
   */
  async replay(orgId: string, id: string, forwardIds?: string[]): Promise<{ data: TaskResponse[] }> {
    const event = await this.events.find(orgId, id);
    if (!event) throw eventNotFound(id);
    if (!event.verified)
      throw new AppError(ErrorCode.CONFLICT, 'This request failed signature verification; it is never forwarded');
    const endpoint = await this.endpoints.find(orgId, event.endpointId);
    if (!endpoint) throw eventNotFound(id);
    const body = event.body ?? Buffer.alloc(0);
    const request = { ...event, body, json: parseJson(body) };
    const forwards = forwardIds
      ? forwardIds.map((forwardId, i) => {
          const forward = endpoint.forwards.find((f) => f.id === forwardId);
          if (!forward)
            throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [
              { field: `forwardIds[${i}]`, message: 'is not a forward of this event’s endpoint' },
            ]);
          return forward;
        })
      : endpoint.forwards.filter((forward) => matches(forward.filter, request));
    const tasks = forwardTasks(endpoint, event.id, request, forwards, traceparentFor(undefined));
    const written = await this.db.transaction((em) =>
      this.writer.writeForwards(em, [{ endpoint, eventId: event.id, forwards, tasks }]),
    );
    return { data: written.map((task) => toTaskResponse(task)) };
  }
}
