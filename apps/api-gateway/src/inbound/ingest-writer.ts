import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  type ForwardConfig,
  type InboundEndpointRow,
  InboundEventRepository,
  type InboundEventStatus,
  type NewInboundEvent,
  type NewTask,
  newId,
  QueueRepository,
  GroupCommit,
} from '@hourglass/db';
import type { Actor } from '@hourglass/domain';
import { TaskWriter } from '../tasks/task-writer.js';
import { newTask } from '../tasks/tasks.service.js';
import type { CreateTaskDto } from '../tasks/tasks.dto.js';
import { dedupKeyOf, forwardHeaders, matches, type ReceivedRequest } from './inbound-request.js';

const MAX_BATCH = 200;
/** Batches of one org serialize on its usage row (the forwards' quota count), as the task writer's do. */
const MAX_IN_FLIGHT = 2;

/** A received request, checked (endpoint, size, rate, signature), to be stored. */
export interface IngestItem {
  eventId: string;
  endpoint: InboundEndpointRow;
  request: ReceivedRequest;
  rejection: string | null;
  challenge: boolean;
  traceparent: string;
}

interface Triaged {
  item: IngestItem;
  status: InboundEventStatus;
  dedupKey: string | null;
  duplicateOf: string | null;
  forwards: ForwardConfig[];
}

/** A request whose write needs more than one statement: a dedup claim, or an ordered endpoint's queue. */
const needsTransaction = (item: IngestItem) =>
  item.endpoint.ordered ||
  (item.rejection === null && !item.challenge && dedupKeyOf(item.endpoint, item.request) !== null);

/** The named queue (parallelism 1) an `ordered` endpoint's forwards go through, one at a time in arrival order. */
export const orderedQueueOf = (endpoint: Pick<InboundEndpointRow, 'id'>) => `inbound-${endpoint.id}`;

/** One task per forward of an event: the original body, allow-listed headers, the event and endpoint ids. */
export function forwardTasks(
  endpoint: InboundEndpointRow,
  eventId: string,
  request: Pick<ReceivedRequest, 'headers' | 'body'>,
  forwards: ForwardConfig[],
  traceparent: string,
): NewTask[] {
  const now = new Date();
  const body = request.body.length > 0 ? request.body.toString('utf8') : undefined;
  return forwards.map((forward) => {
    const headers = forwardHeaders(forward, request, { eventId, endpointId: endpoint.id });
    const queue = endpoint.ordered ? orderedQueueOf(endpoint) : undefined;
    const dto = { request: { url: forward.url, method: 'POST', headers, body }, queue } as CreateTaskDto;
    return newTask(endpoint.orgId, dto, traceparent, now);
  });
}

/**
 * Group commit for the ingest (docs/decisions/0020), like the task writer's (0005, 0009): the
 * requests that arrive together are stored in ONE transaction — their dedup claims, their events,
 * their forward links and, last, their forward tasks through the one task writer — and each is
 * acknowledged only after that COMMIT. A batch that fails is retried one request at a time, so one
 * bad request does not fail its neighbours; a database that is down fails each (503).
 */
@Injectable()
export class IngestWriter {
  private readonly batches = new GroupCommit<IngestItem, InboundEventStatus>({
    maxBatch: MAX_BATCH,
    maxInFlight: MAX_IN_FLIGHT,
    // In arrival order: an ordered endpoint's forwards keep it.
    retry: 'sequential',
    // A dedup claim or an ordered queue is a statement before the write: then a transaction holds them
    // together. Without, the batch is the write alone, its own commit (one round trip, as a task create).
    flush: (items) =>
      items.some((item) => needsTransaction(item))
        ? this.db.transaction((em) => this.write(em, items))
        : this.write(this.db.manager, items),
  });

  constructor(
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(InboundEventRepository) private readonly events: InboundEventRepository,
    @Inject(TaskWriter) private readonly writer: TaskWriter,
    @Inject(QueueRepository) private readonly queues: QueueRepository,
  ) {}

  /** Resolves with what became of the request, once it is committed. */
  store(item: IngestItem): Promise<InboundEventStatus> {
    return this.batches.add(item);
  }

  /**
   * Writes `events` (new ones, may be none) and the forward tasks of `writes` with their links, in
   * one statement when there is a task: the task writer's, with the events and links as more CTEs
   * (audited as created by the endpoint). Tasks lock their orgs' usage rows (the quota count) until
   * COMMIT, so inside a transaction this is its last statement.
   */
  async writeForwards(
    em: EntityManager,
    writes: { endpoint: InboundEndpointRow; eventId: string; forwards: ForwardConfig[]; tasks: NewTask[] }[],
    events: NewInboundEvent[] = [],
  ) {
    const tasks = writes.flatMap((w) => w.tasks);
    if (tasks.length === 0) {
      await this.events.insertMany(em, events);
      return [];
    }
    const links = writes.flatMap(({ eventId, forwards, tasks }) =>
      forwards.map((forward, i) => ({ eventId, forwardId: forward.id, taskId: tasks[i]!.id })),
    );
    await this.ensureOrderedQueues(
      em,
      writes.filter((w) => w.endpoint.ordered && w.tasks.length > 0).map((w) => w.endpoint),
    );
    const sealed = await this.events.seal(em, events);
    const actors = writes.flatMap((w) => w.tasks.map((): Actor => ({ type: 'endpoint', id: w.endpoint.id })));
    return this.writer.insertBatch(em, tasks, actors, new Map(), (params) =>
      this.events.writeCtes(params, sealed, links),
    );
  }

  /**
   * An ordered endpoint's queue exists before its tasks name it (a task cannot name a missing
   * queue): made on first use, again if someone deleted it while it was empty.
   */
  private async ensureOrderedQueues(em: EntityManager, endpoints: InboundEndpointRow[]): Promise<void> {
    const unique = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
    for (const endpoint of unique.values())
      await this.queues.insert(
        {
          id: newId(),
          orgId: endpoint.orgId,
          name: orderedQueueOf(endpoint),
          parallelism: 1,
          rateCount: null,
          ratePerMs: null,
        },
        em,
      );
  }

  private async write(em: EntityManager, items: IngestItem[]): Promise<InboundEventStatus[]> {
    const triaged = await this.triage(em, items);
    const rows: NewInboundEvent[] = triaged.map(({ item, status, dedupKey, duplicateOf }) => ({
      id: item.eventId,
      orgId: item.endpoint.orgId,
      endpointId: item.endpoint.id,
      method: item.request.method,
      path: item.request.path,
      query: item.request.query,
      headers: item.request.headers,
      body: item.request.body.length > 0 ? item.request.body : null,
      verified: item.rejection === null,
      rejection: item.rejection,
      status,
      dedupKey,
      duplicateOf,
    }));
    await this.writeForwards(
      em,
      triaged.map(({ item, forwards }) => ({
        endpoint: item.endpoint,
        eventId: item.eventId,
        forwards,
        tasks: forwardTasks(item.endpoint, item.eventId, item.request, forwards, item.traceparent),
      })),
      rows,
    );
    return triaged.map((t) => t.status);
  }

  /**
   * What becomes of each request: rejected and challenges are only stored; the others claim their
   * dedup key (the first of a batch claims, the rest of it repeat that one); then paused, or the
   * forwards whose filter matches.
   */
  private async triage(em: EntityManager, items: IngestItem[]): Promise<Triaged[]> {
    const triaged: Triaged[] = items.map((item) => ({
      item,
      status: item.rejection !== null ? 'rejected' : item.challenge ? 'challenge' : 'stored',
      dedupKey: item.rejection === null && !item.challenge ? dedupKeyOf(item.endpoint, item.request) : null,
      duplicateOf: null,
      forwards: [],
    }));
    const first = new Map<string, Triaged>();
    const repeats: [Triaged, Triaged][] = [];
    for (const t of triaged) {
      if (!t.dedupKey) continue;
      const pair = `${t.item.endpoint.id} ${t.dedupKey}`;
      const claimant = first.get(pair);
      if (claimant) repeats.push([t, claimant]);
      else first.set(pair, t);
    }
    const holders = await this.events.claimDedupKeys(
      em,
      [...first.values()].map((t) => ({
        endpointId: t.item.endpoint.id,
        key: t.dedupKey!,
        eventId: t.item.eventId,
        windowMs: t.item.endpoint.dedupWindowMs,
      })),
    );
    for (const [pair, t] of first) {
      const holder = holders.get(pair)!;
      if (holder !== t.item.eventId) Object.assign(t, { status: 'duplicate', duplicateOf: holder });
    }
    for (const [t, claimant] of repeats)
      Object.assign(t, { status: 'duplicate', duplicateOf: claimant.duplicateOf ?? claimant.item.eventId });
    for (const t of triaged) {
      if (t.status !== 'stored') continue;
      if (t.item.endpoint.paused) t.status = 'paused';
      else {
        t.forwards = t.item.endpoint.forwards.filter((forward) => matches(forward.filter, t.item.request));
        if (t.forwards.length > 0) t.status = 'forwarded';
      }
    }
    return triaged;
  }
}
