import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@hourglass/domain';
import { problem } from './error-status.js';
import { sendProblem } from './problem.filter.js';

/**
 * Once `close()` has begun (SIGTERM), the listener accepts nothing new, but a kept-alive connection
 * can still carry a request (pipelined, or sent as the socket was being reaped). It is answered
 * 503 problem+json SHUTTING_DOWN with `Retry-After` and `Connection: close`, so the client retries
 * on a new connection, which reaches another replica; requests already routed finish normally.
 */
export function refuseWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!closing) return done();
    if (request.raw.httpVersionMajor !== 2) void reply.header('connection', 'close');
    sendProblem(reply, problem(ErrorCode.SHUTTING_DOWN, 'The server is shutting down; retry', String(request.id)));
  });
}
