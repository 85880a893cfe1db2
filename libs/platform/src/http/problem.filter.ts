import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '@hourglass/domain';
import { AppLogger } from '../logging/app-logger.js';
import { redactErrorText } from '../logging/redact.js';
import { bodyRequired } from './bodiless-routes.js';
import { codeOfStatus, errorStatus, problem, type ProblemDetails } from './error-status.js';

/** Socket errors of the database connection. */
const CONNECTION_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean the database cannot serve us now, not that the request is wrong: class 08
 * (connection exception), 53 (insufficient resources: too many connections, disk full, out of
 * memory), 57P (shutdown, crash, starting up or in recovery), 55000 (object not in prerequisite
 * state, e.g. during recovery) and 25006 (read-only: a standby, as during a failover).
 */
const UNAVAILABLE_STATE = /^(08...|53...|57P0.|55000|25006)$/;

const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Connection refused|not queryable|Client was closed/i;

/** The database is down, restarting, recovering or full: 503 with Retry-After, never a 4xx or a 500. */
function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  const err = error as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown } | null;
  if (typeof err !== 'object' || err === null) return false;
  const code = typeof err.code === 'string' ? err.code : '';
  if (CONNECTION_ERRORS.has(code) || UNAVAILABLE_STATE.test(code)) return true;
  if (typeof err.message === 'string' && UNAVAILABLE_MESSAGE.test(err.message)) return true;
  // TypeORM's QueryFailedError wraps the driver's error; other wrappers keep it as their cause.
  return depth < 3 && [err.driverError, err.cause].some((inner) => isDatabaseUnavailable(inner, depth + 1));
}

/** The status of an error that is only an HTTP status: a Nest HttpException, or a Fastify 4xx (bad JSON, 413, 415). */
function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

const DETAIL_OF_STATUS: Record<number, string> = {
  413: 'The request body is larger than the API accepts',
  415: 'Request bodies must be application/json',
};

/**
 * A TypeORM QueryFailedError or a pg DatabaseError: both carry the statement's parameters (task URLs, headers, bodies).
 */
function isDatabaseError(error: object): boolean {
  const e = error as { name?: unknown; driverError?: unknown; code?: unknown; severity?: unknown };
  return (
    e.name === 'QueryFailedError' ||
    e.driverError !== undefined ||
    (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) && e.severity !== undefined)
  );
}

/**
 * What of an error may be logged: its type, message, code and stack (and, for a database error, its
 * SQLSTATE and constraint), never its other properties. A database error carries the query with its
 * bound parameters and the driver error with `detail` (values of the row): those stay out of logs.
 */
export function loggableError(error: unknown, depth = 0): Record<string, unknown> {
  // A null prototype: pino's err serializer then reports `name` as the type, not "Object".
  const described: Record<string, unknown> = Object.create(null);
  if (typeof error !== 'object' || error === null) {
    return Object.assign(described, { name: typeof error, message: String(error) });
  }
  const e = error as { name?: unknown; message?: unknown; code?: unknown; constraint?: unknown; stack?: unknown };
  described.name = typeof e.name === 'string' ? e.name : (error.constructor?.name ?? 'Error');
  // The logger's own rule for error text: PostgreSQL quotes offending values in its messages.
  described.message = redactErrorText(typeof e.message === 'string' ? e.message : String(error));
  if (typeof e.code === 'string' || typeof e.code === 'number') described.code = e.code;
  if (isDatabaseError(error) && typeof e.constraint === 'string') described.constraint = e.constraint;
  if (typeof e.stack === 'string') described.stack = redactErrorText(e.stack);
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && depth < 3) described.cause = loggableError(cause, depth + 1);
  return described;
}

/** Fastify's refusal of `Content-Type: application/json` with no body (Nest may wrap it, keeping the message). */
const isEmptyJsonBody = (error: unknown): boolean =>
  (error as { code?: unknown })?.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
  /^Body cannot be empty when content-type/.test(String((error as { message?: unknown })?.message));

/** Maps any error to an RFC 9457 problem. Unknown errors are 500 INTERNAL, logged with the request id. */
export function toProblem(error: unknown, requestId: string, logger: AppLogger): ProblemDetails {
  if (isEmptyJsonBody(error)) error = bodyRequired();
  if (error instanceof AppError) return problem(error.code, error.message, requestId, error.fieldErrors);
  const status = httpStatusOf(error);
  if (status !== undefined) {
    const code = codeOfStatus(status);
    if (status >= 500) logger.pino.error({ requestId, err: loggableError(error) }, 'server error');
    return problem(code, DETAIL_OF_STATUS[status] ?? (error as Error).message, requestId);
  }
  if (isDatabaseUnavailable(error)) {
    logger.pino.warn({ requestId, err: loggableError(error) }, 'database unavailable');
    return problem(ErrorCode.UNAVAILABLE, 'The database is unavailable; retry shortly', requestId);
  }
  logger.pino.error({ requestId, err: loggableError(error) }, 'unhandled error');
  return problem(ErrorCode.INTERNAL, 'Internal error; quote the requestId when reporting it', requestId);
}

/** The problem code each answered reply carried, for the metrics hook (a closed set: a bounded label). */
const problemCodes = new WeakMap<FastifyReply, ErrorCode>();
export const problemCodeOf = (reply: FastifyReply): ErrorCode | undefined => problemCodes.get(reply);

export function sendProblem(reply: FastifyReply, body: ProblemDetails): void {
  problemCodes.set(reply, body.code);
  if (body.code === ErrorCode.UNAVAILABLE || body.code === ErrorCode.ENDPOINT_PAUSED)
    void reply.header('retry-after', '5');
  else if (body.code === ErrorCode.SHUTTING_DOWN) void reply.header('retry-after', '1');
  void reply.status(errorStatus[body.code]).header('content-type', 'application/problem+json').send(body);
}

@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(@Inject(AppLogger) private readonly logger: AppLogger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    sendProblem(http.getResponse<FastifyReply>(), toProblem(error, String(request.id), this.logger));
  }
}
