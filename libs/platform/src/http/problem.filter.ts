import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '@hourglass/domain';
import { AppLogger } from '../logging/app-logger.js';
import { errorStatus, problem, type ProblemDetails } from './error-status.js';

const STATUS_CODES: Record<number, ErrorCode> = {
  400: ErrorCode.VALIDATION_FAILED,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
};

const DB_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  '57P01',
  '57P03',
  '53300',
  '08006',
  '08001',
  '08003',
]);

function isDatabaseUnavailable(error: unknown): boolean {
  const err = error as { code?: string; message?: string };
  return (
    DB_UNAVAILABLE.has(err?.code ?? '') ||
    /Connection terminated|timeout exceeded when trying to connect|Connection refused/i.test(err?.message ?? '')
  );
}

/** Maps any error to an RFC 9457 problem. Unknown errors are 500 INTERNAL, logged with the request id. */
export function toProblem(error: unknown, requestId: string, logger: AppLogger): ProblemDetails {
  if (error instanceof AppError) return problem(error.code, error.message, requestId, error.fieldErrors);
  if (error instanceof HttpException) {
    const code = STATUS_CODES[error.getStatus()];
    if (code) return problem(code, error.message, requestId);
  }
  const status = (error as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status < 500 && STATUS_CODES[status]) {
    return problem(STATUS_CODES[status], (error as Error).message, requestId);
  }
  if (isDatabaseUnavailable(error)) {
    logger.pino.warn({ requestId, err: error }, 'database unavailable');
    return problem(ErrorCode.UNAVAILABLE, 'The database is unavailable; retry shortly', requestId);
  }
  logger.pino.error({ requestId, err: error }, 'unhandled error');
  return problem(ErrorCode.INTERNAL, 'Internal error; quote the requestId when reporting it', requestId);
}

export function sendProblem(reply: FastifyReply, body: ProblemDetails): void {
  if (body.code === ErrorCode.UNAVAILABLE) void reply.header('retry-after', '5');
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
