import { performance } from 'node:perf_hooks';
import { request, type Agent, type Dispatcher } from 'undici';
import { TaskLimits, type AttemptResult, type DeliveryErrorKind } from '@hourglass/domain';
import { BlockedTargetError, createGuardedAgent } from './guarded-agent.js';
import type { SsrfGuard } from './ssrf-guard.js';

export interface OutboundRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
}

/** Everything one attempt produced, ready to be stored as an `attempts` row. */
export interface AttemptRecord {
  result: AttemptResult;
  /** Set whenever a status line arrived, even if reading the body then failed (`result` is an error then). */
  statusCode: number | null;
  durationMs: number;
  responseHeaders: Record<string, string> | null;
  responseBody: string | null;
  responseTruncated: boolean;
  error: string | null;
  startedAt: Date;
  finishedAt: Date;
}

export interface HttpDeliveryClientOptions {
  guard: SsrfGuard;
  userAgent: string;
  maxResponseBytes?: number;
  /** Stored response headers are cut off at this many characters (names + values). */
  maxResponseHeaderChars?: number;
  connectionsPerOrigin?: number;
}

class DeadlineExceeded extends Error {
  override name = 'TimeoutError';
}

interface ResponseStart {
  statusCode: number | null;
  responseHeaders: Record<string, string> | null;
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** Maps whatever an attempt threw to the closed set of error kinds; unknown errors count as connection errors. */
export function deliveryErrorKind(err: unknown, deadlineExceeded: boolean): DeliveryErrorKind {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof BlockedTargetError) return 'blocked';
  }
  const { code, name } = (err ?? {}) as { code?: string; name?: string };
  if (deadlineExceeded || TIMEOUT_CODES.has(code ?? '') || name === 'TimeoutError' || name === 'AbortError')
    return 'timeout';
  // A request undici refuses to send (bad header value, bad method) will never go through: permanent.
  if (code === 'ERR_INVALID_URL' || code === 'UND_ERR_INVALID_ARG') return 'invalid_url';
  return 'connection';
}

/**
 * Sends one delivery attempt through an SSRF-guarded, keep-alive undici Agent. Never follows redirects,
 * bounds the whole attempt (connect, headers, body) by `timeoutMs`, and reads at most `maxResponseBytes`
 * of the response. Expected failures are returned as values; it throws only on bugs.
 */
export class HttpDeliveryClient {
  private readonly agent: Agent;
  private readonly userAgent: string;
  private readonly maxResponseBytes: number;
  private readonly maxHeaderChars: number;

  constructor(options: HttpDeliveryClientOptions) {
    this.agent = createGuardedAgent({ guard: options.guard, connectionsPerOrigin: options.connectionsPerOrigin });
    this.userAgent = options.userAgent;
    this.maxResponseBytes = options.maxResponseBytes ?? TaskLimits.maxStoredResponseBytes;
    this.maxHeaderChars = options.maxResponseHeaderChars ?? 8 * 1024;
  }

  async deliver(req: OutboundRequest): Promise<AttemptRecord> {
    const startedAt = new Date();
    const t0 = performance.now();
    const finish = (rest: Omit<AttemptRecord, 'startedAt' | 'finishedAt' | 'durationMs'>): AttemptRecord => ({
      ...rest,
      durationMs: Math.round(performance.now() - t0),
      startedAt,
      finishedAt: new Date(),
    });
    const url = parseTargetUrl(req.url);
    if (!url) return finish(errorRecord('invalid_url', `invalid target URL: ${req.url}`, noResponseYet()));

    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DeadlineExceeded(`no complete response within ${req.timeoutMs} ms`)),
      req.timeoutMs,
    );
    const seen = noResponseYet();
    try {
      const res = await request(url, this.options(req, controller.signal));
      seen.statusCode = res.statusCode;
      seen.responseHeaders = this.pickHeaders(res.headers);
      const { body, truncated } = await readCapped(res.body, this.maxResponseBytes);
      return finish({
        result: responseResult(res.statusCode, res.headers),
        ...seen,
        responseBody: body,
        responseTruncated: truncated,
        error: null,
      });
    } catch (err) {
      const kind = deliveryErrorKind(err, controller.signal.aborted);
      return finish(errorRecord(kind, err instanceof Error ? err.message : String(err), seen));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Waits for in-flight attempts, then closes every pooled connection. */
  close(): Promise<void> {
    return this.agent.close();
  }

  private options(req: OutboundRequest, signal: AbortSignal): NonNullable<Parameters<typeof request>[1]> {
    const method = req.method.toUpperCase() as Dispatcher.HttpMethod;
    const hasUserAgent = Object.keys(req.headers).some((h) => h.toLowerCase() === 'user-agent');
    return {
      dispatcher: this.agent,
      method,
      headers: hasUserAgent ? req.headers : { ...req.headers, 'user-agent': this.userAgent },
      body: method === 'GET' || method === 'HEAD' ? null : req.body,
      signal,
    };
  }

  private pickHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
    const picked: Record<string, string> = {};
    let size = 0;
    for (const [name, raw] of Object.entries(headers)) {
      if (raw === undefined) continue;
      const value = Array.isArray(raw) ? raw.join(', ') : raw;
      size += name.length + value.length;
      if (size > this.maxHeaderChars) break;
      picked[storable(name.toLowerCase())] = storable(value);
    }
    return picked;
  }
}

function parseTargetUrl(raw: string): URL | null {
  if (!URL.canParse(raw)) return null;
  const url = new URL(raw);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? url : null;
}

function noResponseYet(): ResponseStart {
  return { statusCode: null, responseHeaders: null };
}

function errorRecord(kind: DeliveryErrorKind, message: string, partial: ResponseStart) {
  return {
    result: { kind: 'error', error: kind } as const,
    ...partial,
    responseBody: null,
    responseTruncated: false,
    error: storable(`${kind}: ${message}`),
  };
}

function responseResult(statusCode: number, headers: Record<string, string | string[] | undefined>): AttemptResult {
  const raw = headers['retry-after'];
  const retryAfter = Array.isArray(raw) ? raw[0] : raw;
  if ((statusCode === 429 || statusCode === 503) && retryAfter !== undefined) {
    return { kind: 'response', statusCode, retryAfter };
  }
  return { kind: 'response', statusCode };
}

/**
 * Reads up to `maxBytes`, then stops: leaving the loop destroys the stream and its socket, so a huge or
 * endless body costs at most `maxBytes` of memory (plus one chunk) and no further reading.
 */
async function readCapped(
  body: AsyncIterable<Buffer>,
  maxBytes: number,
): Promise<{ body: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      truncated = true;
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: storable(Buffer.concat(chunks).toString('utf8')), truncated };
}

/**
 * Postgres text and jsonb refuse U+0000, and one refused attempt row failed the whole settle batch (other
 * orgs' deliveries with it, again and again): a target's NUL is stored as U+FFFD, as invalid UTF-8 already is.
 */
function storable(text: string): string {
  return text.replaceAll('\u0000', '\ufffd');
}
