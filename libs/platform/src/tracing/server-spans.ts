import { type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { contextOf, formatTraceparent } from './trace-context.js';
import { tracer } from './tracing-sdk.js';
import { takesRawBody } from '../http/raw-body.js';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';

const serverSpans = new WeakMap<object, Span>();
/** Probes and scrapes: a trace every few seconds per replica that says nothing. */
const UNTRACED_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * One SERVER span per request, named by the route template (`POST /v1/tasks`), child of a
 * well-formed incoming `traceparent`; not for health probes and scrapes. Installed only when tracing is on.
 */
export function addServerSpans(fastify: FastifyInstance): void {
  const active = tracer();
  if (!active) return;
  fastify
    .addHook('onRequest', (request, _reply, done) => {
      const route = request.routeOptions.url;
      if (route !== undefined && UNTRACED_ROUTES.has(route)) return done();
      const header = request.headers.traceparent;
      const span = active.startSpan(
        route ? `${request.method} ${route}` : request.method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            [ATTR_HTTP_REQUEST_METHOD]: request.method,
            ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
            // An inbound webhook's path is its credential (the slug).
            [ATTR_URL_PATH]: takesRawBody(request) && route ? route : request.url.split('?', 1)[0],
            [ATTR_URL_SCHEME]: request.protocol,
          },
        },
        contextOf(typeof header === 'string' ? header : undefined),
      );
      serverSpans.set(request, span);
      done();
    })
    .addHook('onResponse', (request, reply, done) => {
      endServerSpan(request, reply.statusCode);
      done();
    })
    .addHook('onRequestAbort', (request, done) => {
      endServerSpan(request, undefined);
      done();
    });
}

/** The request's SERVER span, while it is open (tracing on). */
export const serverSpanOf = (request: FastifyRequest): Span | undefined => serverSpans.get(request);

function endServerSpan(request: FastifyRequest, status: number | undefined): void {
  const span = serverSpans.get(request);
  if (!span) return;
  serverSpans.delete(request);
  if (status === undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted' });
  else {
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * The request's trace context for what it produces: its SERVER span's when tracing is on, else the
 * caller's `traceparent` header as given (the controller validates it).
 */
export const RequestTraceparent = createParamDecorator((_data: unknown, ctx: ExecutionContext) => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  const span = serverSpans.get(request);
  return span ? formatTraceparent(span) : request.headers.traceparent;
});
