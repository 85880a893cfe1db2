import type { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, type Page, toPage } from '../cursor.js';
import { openOne, openRows, sealRows } from '../encryption/sealed-rows.js';
import { isUuid } from '../ids.js';
import { queryRows } from '../sql.js';
import { Params } from '../task-writer/params.js';
import type { Cte } from '../task-writer/quota.js';

/**
 * What became of a received request: `forwarded` (its forward tasks were written), `stored` (no
 * forward matched, or none is configured), `rejected` (signature), `duplicate` (of `duplicateOf`),
 * `paused` (the endpoint was paused: kept, not forwarded), `challenge` (Slack's url_verification).
 */
export type InboundEventStatus = 'forwarded' | 'stored' | 'rejected' | 'duplicate' | 'paused' | 'challenge';

export interface InboundEventRow {
  id: string;
  orgId: string;
  endpointId: string;
  receivedAt: Date;
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  /** The raw bytes exactly as received; null when there were none. */
  body: Buffer | null;
  verified: boolean;
  rejection: string | null;
  status: InboundEventStatus;
  dedupKey: string | null;
  duplicateOf: string | null;
}

export type NewInboundEvent = Omit<InboundEventRow, 'receivedAt'>;

/** A forward of an event and the task it became (status read from the task). */
export interface EventForwardRow {
  eventId: string;
  forwardId: string;
  taskId: string;
  status: string | null;
}

export interface InboundEventFilter {
  verified?: boolean;
  status?: InboundEventStatus;
  receivedAfter?: Date;
  receivedBefore?: Date;
  cursor?: string;
  limit: number;
}

const COLUMNS = `id, org_id AS "orgId", endpoint_id AS "endpointId", received_at AS "receivedAt", method, path, query,
  headers, body, verified, rejection, status, dedup_key AS "dedupKey", duplicate_of AS "duplicateOf"`;

type StoredEvent = Omit<InboundEventRow, 'body'> & { body: string | null };

/** The body is sealed as base64 text: the codec seals strings, and the bytes must come back exactly. */
const toStored = (row: NewInboundEvent) => ({ ...row, body: row.body === null ? null : row.body.toString('base64') });
const fromStored = (row: StoredEvent): InboundEventRow => ({
  ...row,
  body: row.body === null ? null : Buffer.from(row.body, 'base64'),
});

/** A new event's row with query, headers and body sealed. */
export type SealedEvent = Omit<NewInboundEvent, 'query' | 'headers' | 'body'> & {
  query: Buffer;
  headers: Buffer;
  body: Buffer | null;
};

export interface ForwardLink {
  eventId: string;
  forwardId: string;
  taskId: string;
}

function eventsInsertSql(params: Params, rows: SealedEvent[]): string {
  const column = (pick: (row: SealedEvent) => unknown) => params.add(rows.map(pick));
  return `INSERT INTO inbound_events (id, org_id, endpoint_id, method, path, query, headers, body, verified, rejection,
       status, dedup_key, duplicate_of)
     SELECT * FROM unnest(${column((r) => r.id)}::uuid[], ${column((r) => r.orgId)}::uuid[],
       ${column((r) => r.endpointId)}::uuid[], ${column((r) => r.method)}::text[], ${column((r) => r.path)}::text[],
       ${column((r) => r.query)}::bytea[], ${column((r) => r.headers)}::bytea[], ${column((r) => r.body)}::bytea[],
       ${column((r) => r.verified)}::boolean[], ${column((r) => r.rejection)}::text[], ${column((r) => r.status)}::text[],
       ${column((r) => r.dedupKey)}::text[], ${column((r) => r.duplicateOf)}::uuid[])`;
}

function linksInsertSql(params: Params, links: ForwardLink[]): string {
  const column = (pick: (link: ForwardLink) => string) => params.add(links.map(pick));
  return `INSERT INTO inbound_event_forwards (event_id, forward_id, task_id)
     SELECT * FROM unnest(${column((l) => l.eventId)}::uuid[], ${column((l) => l.forwardId)}::uuid[],
       ${column((l) => l.taskId)}::uuid[])`;
}

/** The WHERE of an endpoint's events that pass `filter` (cursor: those before it, newest first). */
function matching(orgId: string, endpointId: string, filter: Omit<InboundEventFilter, 'limit'>) {
  return {
    where: `org_id = $1 AND endpoint_id = $2 AND ($3::uuid IS NULL OR id < $3)
      AND ($4::boolean IS NULL OR verified = $4) AND ($5::text IS NULL OR status = $5)
      AND ($6::timestamptz IS NULL OR received_at >= $6) AND ($7::timestamptz IS NULL OR received_at < $7)`,
    values: [
      orgId,
      endpointId,
      decodeCursor(filter.cursor) ?? null,
      filter.verified ?? null,
      filter.status ?? null,
      filter.receivedAfter ?? null,
      filter.receivedBefore ?? null,
    ],
  };
}

/** Received requests of inbound endpoints (docs/decisions/0020); query, headers and body are sealed. */
export class InboundEventRepository {
  constructor(private readonly db: DataSource) {}

  /** One multi-row INSERT for a batch of received requests (the ingest's group commit). */
  async insertMany(em: EntityManager, rows: NewInboundEvent[]): Promise<void> {
    if (rows.length === 0) return;
    const params = new Params();
    const sql = eventsInsertSql(params, await this.seal(em, rows));
    await queryRows(em, sql, params.values);
  }

  /** The events sealed for `writeCtes` (their orgs' keys loaded: a round trip only on a cold key cache). */
  seal(em: EntityManager, rows: NewInboundEvent[]): Promise<SealedEvent[]> {
    return sealRows(em, 'inbound_events', rows.map(toStored)) as unknown as Promise<SealedEvent[]>;
  }

  /**
   * The events' INSERT and their forward links' as CTEs of another statement (the task writer's:
   * events, links, tasks and jobs commit as one statement, docs/decisions/0020).
   */
  writeCtes(params: Params, events: SealedEvent[], links: ForwardLink[]): Cte[] {
    return [
      ...(events.length > 0
        ? [{ name: 'inbound_inserted', sql: `${eventsInsertSql(params, events)} RETURNING id` }]
        : []),
      ...(links.length > 0
        ? [{ name: 'inbound_linked', sql: `${linksInsertSql(params, links)} RETURNING task_id` }]
        : []),
    ];
  }

  /**
   * Claims each `(endpointId, key)` for its event until `windowMs` from now, and returns, per
   * `endpointId key`, the event that holds it. The primary key decides between concurrent claims: a
   * second INSERT waits for the first's commit, then finds the conflict and takes the key over only
   * if that claim expired; a claim is won exactly when the returned holder is its own event. The
   * pairs must be distinct; they are claimed in one order (sorted), so two batches never deadlock.
   */
  async claimDedupKeys(
    em: EntityManager,
    claims: { endpointId: string; key: string; eventId: string; windowMs: number }[],
  ): Promise<Map<string, string>> {
    const holders = new Map<string, string>();
    if (claims.length === 0) return holders;
    const sorted = [...claims].sort((a, b) =>
      a.endpointId === b.endpointId ? (a.key < b.key ? -1 : 1) : a.endpointId < b.endpointId ? -1 : 1,
    );
    const ids = sorted.map((c) => c.endpointId);
    const keys = sorted.map((c) => c.key);
    const won = await queryRows<{ endpoint_id: string; key: string; event_id: string }>(
      em,
      `INSERT INTO inbound_dedup_keys (endpoint_id, key, event_id, expires_at)
       SELECT c.endpoint_id, c.key, c.event_id, now() + c.window_ms * interval '1 millisecond'
         FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::float8[]) WITH ORDINALITY AS c(endpoint_id, key, event_id, window_ms, n)
        ORDER BY c.n
       ON CONFLICT (endpoint_id, key) DO UPDATE SET event_id = EXCLUDED.event_id, expires_at = EXCLUDED.expires_at
         WHERE inbound_dedup_keys.expires_at <= now()
       RETURNING endpoint_id, key, event_id`,
      [ids, keys, sorted.map((c) => c.eventId), sorted.map((c) => c.windowMs)],
    );
    for (const row of won) holders.set(`${row.endpoint_id} ${row.key}`, row.event_id);
    if (won.length === sorted.length) return holders;
    const held = await queryRows<{ endpoint_id: string; key: string; event_id: string }>(
      em,
      `SELECT d.endpoint_id, d.key, d.event_id FROM inbound_dedup_keys d
         JOIN unnest($1::uuid[], $2::text[]) AS c(endpoint_id, key) ON d.endpoint_id = c.endpoint_id AND d.key = c.key`,
      [ids, keys],
    );
    for (const row of held)
      if (!holders.has(`${row.endpoint_id} ${row.key}`)) holders.set(`${row.endpoint_id} ${row.key}`, row.event_id);
    return holders;
  }

  async linkForwards(em: EntityManager, links: ForwardLink[]): Promise<void> {
    if (links.length === 0) return;
    const params = new Params();
    const sql = linksInsertSql(params, links);
    await queryRows(em, sql, params.values);
  }

  async find(orgId: string, id: string, em: EntityManager = this.db.manager): Promise<InboundEventRow | null> {
    if (!isUuid(id)) return null;
    const rows = await queryRows<StoredEvent>(
      em,
      `SELECT ${COLUMNS} FROM inbound_events WHERE org_id = $1 AND id = $2`,
      [orgId, id],
    );
    const opened = await openOne(em, 'inbound_events', rows[0] ?? null);
    return opened && fromStored(opened);
  }

  async list(orgId: string, endpointId: string, filter: InboundEventFilter): Promise<Page<InboundEventRow>> {
    const { where, values } = matching(orgId, endpointId, filter);
    const rows = await queryRows<StoredEvent>(
      this.db.manager,
      `SELECT ${COLUMNS} FROM inbound_events WHERE ${where} ORDER BY id DESC LIMIT $${values.length + 1}`,
      [...values, filter.limit + 1],
    );
    const page = toPage(await openRows(this.db.manager, 'inbound_events', rows), filter.limit);
    return { ...page, data: page.data.map(fromStored) };
  }

  async count(orgId: string, endpointId: string, filter: Omit<InboundEventFilter, 'limit'>): Promise<number> {
    const { where, values } = matching(orgId, endpointId, filter);
    const [row] = await queryRows<{ n: number }>(
      this.db.manager,
      `SELECT count(*)::int AS n FROM inbound_events WHERE ${where}`,
      values,
    );
    return row!.n;
  }

  /** The forwards of the events, oldest first, each with its task's current status (null once the task is gone). */
  forwardsOf(orgId: string, eventIds: string[]): Promise<EventForwardRow[]> {
    if (eventIds.length === 0) return Promise.resolve([]);
    return queryRows<EventForwardRow>(
      this.db.manager,
      `SELECT f.event_id AS "eventId", f.forward_id AS "forwardId", f.task_id AS "taskId", t.status
         FROM inbound_event_forwards f
         JOIN inbound_events e ON e.id = f.event_id AND e.org_id = $1
         LEFT JOIN tasks t ON t.id = f.task_id AND t.org_id = $1
        WHERE f.event_id = ANY($2::uuid[])
        ORDER BY f.created_at, f.task_id`,
      [orgId, eventIds],
    );
  }
}
