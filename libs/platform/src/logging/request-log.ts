import type { FastifyInstance, FastifyRequest } from 'fastify';
import { serverSpanOf } from '../tracing/server-spans.js';
import { formatTraceparent } from '../tracing/trace-context.js';
import type { AppLogger } from './app-logger.js';
import { traceFields } from './log-fields.js';

/** Probes and scrapes: a line every few seconds per replica that says nothing. */
const UNLOGGED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);
const TASK_ROUTE = /^\/v1\/tasks\/:id(\/|$)/;
const noted = new WeakMap<object, string>();

/** The task a request created, for its log line (routes with `:id` need not call this). */
export function noteTaskId(request: FastifyRequest, taskId: string): void {
  noted.set(request, taskId);
}

/**
 * One `info` line per answered request: request id, route template (never the URL: its query may carry
 * credentials), status, duration, org, task and trace ids. Not installed below `info`, so a quieter
 * level costs nothing per request.
 */
export function addRequestLog(fastify: FastifyInstance, logger: AppLogger): void {
  if (!logger.pino.isLevelEnabled('info')) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route === undefined || !UNLOGGED_ROUTES.has(route)) {
      const span = serverSpanOf(request);
      const header = request.headers.traceparent;
      logger.pino.info(
        {
          requestId: String(request.id),
          method: request.method,
          route: route ?? 'unmatched',
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
          orgId: (request as { auth?: { orgId?: string } }).auth?.orgId,
          taskId: taskIdOf(request, route),
          ...traceFields(span ? formatTraceparent(span) : typeof header === 'string' ? header : undefined),
        },
        'request',
      );
    }
    done();
  });
}

function taskIdOf(request: FastifyRequest, route: string | undefined): string | undefined {
  const given = noted.get(request);
  if (given !== undefined) return given;
  if (route === undefined || !TASK_ROUTE.test(route)) return undefined;
  return (request.params as { id?: string } | undefined)?.id;
}
