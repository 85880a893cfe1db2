import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode, RequestLimits } from '@hourglass/domain';
import { errorStatus, problem } from './error-status.js';
import { sendProblem } from './problem.filter.js';

/**
 * Errors Node's HTTP parser raises before Fastify has a request (`clientError`): a URL or headers
 * over Node's 16 KB limit, a malformed request, a request too slow to arrive. Fastify's own answer
 * is `application/json`; this one is problem+json like every other error, with a request id.
 */
export function clientErrorHandler(error: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  // A reset connection has no one to answer (https://nodejs.org/api/http.html#event-clienterror).
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ErrorCode.REQUEST_TIMEOUT
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? isLongRequestLine(error.rawPacket)
          ? ErrorCode.URI_TOO_LONG
          : ErrorCode.HEADERS_TOO_LARGE
        : ErrorCode.BAD_REQUEST;
  const detail = {
    [ErrorCode.REQUEST_TIMEOUT]: 'The request did not arrive in time',
    [ErrorCode.URI_TOO_LONG]: 'The URL is longer than the server accepts',
    [ErrorCode.HEADERS_TOO_LARGE]: 'The request headers are larger than the server accepts (16 KB)',
  }[code as string];
  const requestId = randomUUID();
  const body = JSON.stringify(problem(code, detail ?? 'The request could not be parsed as HTTP', requestId));
  const status = errorStatus[code];
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Node reports a long URL as header overflow: the packet then starts with a request line that never ends. */
function isLongRequestLine(packet: unknown): boolean {
  if (!Buffer.isBuffer(packet)) return false;
  const head = packet.subarray(0, 16 * 1024).toString('latin1');
  return /^[A-Z]+ \S/.test(head) && !head.includes('\r\n');
}

/**
 * Errors Fastify's router raises before a route runs, which it would answer as `application/json`:
 * a path parameter over `maxParamLength` (414) and a malformed URL encoding (400).
 */
export function frameworkErrorHandler(error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) {
  const requestId = String(request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(
      reply,
      problem(
        ErrorCode.URI_TOO_LONG,
        `A path segment is longer than ${RequestLimits.maxParamLength} characters; no resource has such an id`,
        requestId,
      ),
    );
  }
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendProblem(reply, problem(ErrorCode.BAD_REQUEST, 'The URL is not validly percent-encoded', requestId));
  }
  return sendProblem(reply, problem(ErrorCode.BAD_REQUEST, 'The request could not be routed', requestId));
}

/**
 * The routes the app serves, so a known path with an unsupported method is 405 with `Allow`
 * instead of Fastify's 404. Patterns are Fastify's (`/v1/tasks/:id`, `/docs/*`).
 */
export class RouteTable {
  private readonly routes: { method: string; pattern: RegExp }[] = [];

  add(methods: string | string[], url: string): void {
    const source = url
      .split('/')
      .map((segment) =>
        segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    const pattern = new RegExp(`^${source}/?$`);
    for (const method of Array.isArray(methods) ? methods : [methods]) this.routes.push({ method, pattern });
  }

  /** The methods the path is served with (empty for an unknown path). */
  allowedMethods(path: string): string[] {
    return [...new Set(this.routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
  }
}

/** Throws 405 METHOD_NOT_ALLOWED (setting `Allow`) when no route matched the request but its path has others. */
export function assertMethodAllowed(routes: RouteTable, request: FastifyRequest, reply: FastifyReply): void {
  if (request.routeOptions.url !== undefined) return;
  const path = request.url.split('?')[0] ?? '';
  const allowed = routes.allowedMethods(path);
  if (allowed.length === 0 || allowed.includes(request.method)) return;
  void reply.header('allow', allowed.join(', '));
  throw new AppError(
    ErrorCode.METHOD_NOT_ALLOWED,
    `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
  );
}
