import { RESERVED_HEADERS } from '@hourglass/domain';
import type { ForwardConfig, ForwardFilter, InboundEndpointRow } from '@hourglass/db';

/** A received request as the ingest reads it: headers lowercase, the body exactly as sent. */
export interface ReceivedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  body: Buffer;
  /** The body as JSON, when it is JSON (for filters and body dedup keys). */
  json: unknown;
}

/** Headers every forward carries from the original, besides those a forward allows: the providers' event headers. */
const FORWARDED_HEADERS = [
  'content-type',
  'user-agent',
  'x-github-event',
  'x-github-delivery',
  'x-github-hook-id',
  'x-shopify-topic',
  'x-shopify-webhook-id',
  'x-shopify-shop-domain',
  'x-shopify-event-id',
  'x-slack-retry-num',
  'x-slack-retry-reason',
];

/** Per provider, the key its retries of one event share (dedup.key when none is configured). */
const PROVIDER_DEDUP_KEYS: Record<string, string | undefined> = {
  'standard-webhooks': 'header:webhook-id',
  stripe: 'body:id',
  github: 'header:x-github-delivery',
  shopify: 'header:x-shopify-webhook-id',
  slack: 'body:event_id',
};

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A record's own property, never one it inherits (`constructor`, `__proto__`, `toString`). */
const own = <T>(record: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

function atPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The value a `body.<path>`, `headers.<name>` or `query.<name>` reference names in the request. */
function valueOf(request: ReceivedRequest, reference: string): unknown {
  const dot = reference.indexOf('.');
  const [source, name] = [reference.slice(0, dot), reference.slice(dot + 1)];
  if (source === 'body') return atPath(request.json, name);
  if (source === 'headers') return own(request.headers, name.toLowerCase());
  const query = own(request.query, name);
  return Array.isArray(query) ? query[0] : query;
}

/** Every condition holds: the value is one of the listed ones (compared as text, so 1 matches "1"). */
export function matches(filter: ForwardFilter | null, request: ReceivedRequest): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([reference, allowed]) => {
    const value = valueOf(request, reference);
    if (value === undefined || value === null || typeof value === 'object') return false;
    return allowed.some((candidate) => String(candidate) === String(value));
  });
}

/** The event's dedup key (configured, else the provider's), or null when the request has none. */
export function dedupKeyOf(endpoint: InboundEndpointRow, request: ReceivedRequest): string | null {
  const key = endpoint.dedupKey ?? PROVIDER_DEDUP_KEYS[endpoint.verify.provider];
  if (!key || endpoint.dedupWindowMs === 0) return null;
  const colon = key.indexOf(':');
  const name = key.slice(colon + 1);
  const value = key.startsWith('header:') ? own(request.headers, name.toLowerCase()) : atPath(request.json, name);
  if (value === undefined || value === null || typeof value === 'object') return null;
  return `${key}=${String(value).slice(0, 500)}`;
}

const RESERVED = new Set<string>(RESERVED_HEADERS);

/** What a forward sends of the original headers (allow-list), plus the event and endpoint ids. */
export function forwardHeaders(
  forward: ForwardConfig,
  request: Pick<ReceivedRequest, 'headers'>,
  ids: { eventId: string; endpointId: string },
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of [...FORWARDED_HEADERS, ...forward.headers]) {
    const value = own(request.headers, name);
    if (value !== undefined && !RESERVED.has(name) && !name.startsWith('hourglass-')) headers[name] = value;
  }
  headers['hourglass-event-id'] = ids.eventId;
  headers['hourglass-endpoint-id'] = ids.endpointId;
  return headers;
}

/** Slack's url_verification handshake: the challenge to echo, if this is one. */
export function slackChallenge(request: ReceivedRequest): string | null {
  const json = request.json as { type?: unknown; challenge?: unknown } | undefined;
  return json?.type === 'url_verification' && typeof json.challenge === 'string' ? json.challenge : null;
}
