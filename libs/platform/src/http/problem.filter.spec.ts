import { Writable } from 'node:stream';
import {
  BadGatewayException,
  GoneException,
  HttpException,
  ImATeapotException,
  NotAcceptableException,
  PreconditionFailedException,
  RequestTimeoutException,
  UnprocessableEntityException,
} from '@nestjs/common';
import { pino } from 'pino';
import { QueryFailedError } from 'typeorm';
import { AppError, ErrorCode } from '@hourglass/domain';
import type { AppLogger } from '../logging/app-logger.js';
import { toProblem } from './problem.filter.js';

function capturingLogger(): { logger: AppLogger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: { pino: pino({ level: 'info' }, stream) } as unknown as AppLogger, lines };
}

describe('toProblem', () => {
  it('logs a database error with its SQLSTATE, constraint and message only: never the statement or its parameters', () => {
    const { logger, lines } = capturingLogger();
    const driverError = Object.assign(new Error('invalid input syntax for type uuid: "sk_live_quoted"'), {
      code: '23503',
      constraint: 'tasks_queue_fk',
      detail: 'Key (org_id, queue)=(0193, secret-queue) is not present in table "queues".',
      table: 'tasks',
      severity: 'ERROR',
    });
    const error = new QueryFailedError(
      'INSERT INTO tasks (url, headers, body) VALUES ($1, $2, $3)',
      ['https://hooks.example.com/secret-path', '{"authorization":"Bearer sk_live_123"}', 'password=hunter2'],
      driverError,
    );
    const problem = toProblem(error, 'req-1', logger);
    expect(problem).toMatchObject({ status: 500, code: 'INTERNAL', requestId: 'req-1' });
    expect(lines).toHaveLength(1);
    const logged = JSON.parse(lines[0]!);
    expect(logged.requestId).toBe('req-1');
    expect(logged.err).toMatchObject({
      type: 'QueryFailedError',
      code: '23503',
      constraint: 'tasks_queue_fk',
      message: 'invalid input syntax for type uuid: "[redacted]"',
    });
    expect(logged.err.stack).toContain('QueryFailedError');
    for (const leak of [
      'secret-path',
      'sk_live_123',
      'hunter2',
      'secret-queue',
      'sk_live_quoted',
      'INSERT INTO',
      'driverError',
      'parameters',
    ])
      expect(lines[0]).not.toContain(leak);
  });

  it('logs a database outage the same way, and answers 503 UNAVAILABLE', () => {
    const { logger, lines } = capturingLogger();
    const error = new QueryFailedError(
      'SELECT $1',
      ['sk_live_123'],
      Object.assign(new Error('terminating connection'), { code: '57P01', severity: 'FATAL' }),
    );
    expect(toProblem(error, 'r', logger).code).toBe('UNAVAILABLE');
    expect(lines[0]).toContain('57P01');
    expect(lines[0]).not.toContain('sk_live_123');
  });

  it.each([
    ['55000', 'object not in prerequisite state (recovery)'],
    ['57P03', 'the database system is starting up'],
    ['57P02', 'crash shutdown'],
    ['08006', 'connection failure'],
    ['53100', 'disk full'],
    ['53300', 'too many connections'],
    ['25006', 'read-only transaction (a standby)'],
  ])('answers 503 UNAVAILABLE for SQLSTATE %s (%s), wrapped or not', (code, message) => {
    const { logger } = capturingLogger();
    const driver = Object.assign(new Error(message), { code, severity: 'ERROR' });
    expect(toProblem(driver, 'r', logger).code).toBe('UNAVAILABLE');
    expect(toProblem(new QueryFailedError('SELECT 1', [], driver), 'r', logger).code).toBe('UNAVAILABLE');
    expect(toProblem(new Error('batch failed', { cause: driver }), 'r', logger).code).toBe('UNAVAILABLE');
  });

  it.each([
    ['ECONNRESET', 'read ECONNRESET'],
    ['EPIPE', 'write EPIPE'],
    [undefined, 'Client has encountered a connection error and is not queryable'],
  ])('answers 503 UNAVAILABLE for a lost connection (%s)', (code, message) => {
    const { logger } = capturingLogger();
    expect(toProblem(Object.assign(new Error(message), { code }), 'r', logger).code).toBe('UNAVAILABLE');
  });

  it('keeps a constraint violation or a syntax error a 500, not a 503', () => {
    const { logger } = capturingLogger();
    for (const code of ['23505', '42601', '22P02', 'XX000'])
      expect(toProblem(Object.assign(new Error('x'), { code, severity: 'ERROR' }), 'r', logger).code).toBe('INTERNAL');
  });

  it('keeps only type, message, code and stack of other errors, and of their causes', () => {
    const { logger, lines } = capturingLogger();
    const cause = new QueryFailedError(
      'SELECT $1',
      ['sk_live_123'],
      Object.assign(new Error('boom'), { code: 'XX000', severity: 'ERROR' }),
    );
    toProblem(
      Object.assign(new Error('outer', { cause }), { request: { headers: { authorization: 'Bearer x' } } }),
      'r',
      logger,
    );
    const logged = JSON.parse(lines[0]!);
    // pino folds the causes into the message and stack.
    expect(logged.err).toMatchObject({ type: 'Error', message: 'outer: boom' });
    expect(logged.err.stack).toContain('caused by: QueryFailedError: boom');
    expect(lines[0]).not.toContain('sk_live_123');
    expect(lines[0]).not.toContain('Bearer x');
  });

  it.each([
    [406, 'NOT_ACCEPTABLE', new NotAcceptableException()],
    [408, 'REQUEST_TIMEOUT', new RequestTimeoutException()],
    [410, 'GONE', new GoneException()],
    [412, 'PRECONDITION_FAILED', new PreconditionFailedException()],
    [422, 'UNPROCESSABLE_CONTENT', new UnprocessableEntityException()],
    [400, 'BAD_REQUEST', new ImATeapotException()], // a status without a code of its own
    [414, 'URI_TOO_LONG', new HttpException('URI Too Long', 414)],
    [431, 'HEADERS_TOO_LARGE', new HttpException('Too large', 431)],
    [502, 'BAD_GATEWAY', new BadGatewayException()],
  ])('maps an HttpException to %i %s', (status, code, error) => {
    const { logger } = capturingLogger();
    expect(toProblem(error, 'r', logger)).toMatchObject({ status, code });
  });

  it('maps Fastify errors by their status: 415, 413 and bad JSON', () => {
    const { logger } = capturingLogger();
    const fastify = (statusCode: number, code: string) => Object.assign(new Error(code), { statusCode, code });
    expect(toProblem(fastify(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'), 'r', logger).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(toProblem(fastify(413, 'FST_ERR_CTP_BODY_TOO_LARGE'), 'r', logger).code).toBe('PAYLOAD_TOO_LARGE');
    expect(toProblem(fastify(400, 'FST_ERR_CTP_INVALID_JSON_BODY'), 'r', logger).code).toBe('VALIDATION_FAILED');
  });

  it('passes AppErrors through with their field errors', () => {
    const { logger } = capturingLogger();
    const error = new AppError(ErrorCode.TARGET_NOT_ALLOWED, 'no', [{ field: 'request.url', message: 'x' }]);
    expect(toProblem(error, 'r', logger)).toMatchObject({
      status: 400,
      code: 'TARGET_NOT_ALLOWED',
      errors: [{ field: 'request.url' }],
    });
  });
});
