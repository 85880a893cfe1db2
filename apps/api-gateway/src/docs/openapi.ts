import { DocumentBuilder, type OpenAPIObject } from '@nestjs/swagger';
import { problemResponse } from './problem.js';

export const documentConfig = () =>
  new DocumentBuilder()
    .setTitle('Hourglass API')
    .setDescription(
      'Async HTTP tasks. Every error is RFC 9457 application/problem+json with a stable `code`; ' +
        'validation failures list `errors[].field`. Routes under /v1/admin take the admin token, the rest an API key.',
    )
    .setVersion('v1')
    .setOpenAPIVersion('3.1.0')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'hg_<keyId>_<secret>, or the admin token on /v1/admin',
    })
    .addSecurityRequirements('bearer')
    .build();

/** Every POST takes it (apps/api-gateway/src/idempotency, docs/api.md "Idempotency"). */
const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header' as const,
  required: false,
  schema: { type: 'string' as const, minLength: 1, maxLength: 255 },
  description:
    'Makes the POST safe to retry for 24 h: the same key with the same request replays the first response ' +
    '(with `Idempotent-Replayed: true`); with a different request it is 422 IDEMPOTENCY_KEY_REUSED, and while the first ' +
    'is still running 409 IDEMPOTENCY_KEY_IN_FLIGHT. Keys are per org.',
};

/**
 * The problem+json statuses every route of a kind can answer; each controller adds its own (404, 409, 429)
 * with @ApiProblems. Admin routes take the admin token, so they have no scope to lack (no 403).
 */
function sharedProblems(path: string, method: string): number[] {
  // 400 on every route: the input guard refuses a NUL or bad percent-encoding in any path or query.
  const statuses = [400, 401, 503];
  if (!path.startsWith('/v1/admin/')) statuses.push(403, 429); // scope; API rate limit
  if (method === 'post' || method === 'patch' || method === 'put') statuses.push(413, 415);
  if (method === 'post') statuses.push(409, 422); // Idempotency-Key in flight, reused
  return statuses;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Sent with every answer to an API-key request (apps/api-gateway/src/rate-limits, docs/api.md "Rate limits"). */
const RATE_LIMIT_HEADERS = {
  'RateLimit-Policy': {
    description: 'The key\'s and the org\'s limits, e.g. `"key";q=100;w=1, "org";q=200;w=1`',
    schema: { type: 'string' as const },
  },
  RateLimit: {
    description: 'What is left of each and the seconds until it resets, e.g. `"key";r=37;t=1, "org";r=150;t=1`',
    schema: { type: 'string' as const },
  },
};
const RETRY_AFTER = {
  description: 'Seconds until the window resets',
  schema: { type: 'integer' as const, minimum: 1 },
};
type Responses = NonNullable<OpenAPIObject['paths'][string]['get']>['responses'];

function addRateLimitHeaders(responses: Responses): void {
  for (const [status, response] of Object.entries(responses)) {
    // 401 and 403 are answered before the limiter counts the request.
    if (!response || !('description' in response) || status === '401' || status === '403') continue;
    response.headers = {
      ...response.headers,
      ...RATE_LIMIT_HEADERS,
      ...(status === '429' ? { 'Retry-After': RETRY_AFTER } : {}),
    };
  }
}

const json = (schema: Record<string, unknown>) => ({ content: { 'application/json': { schema } } });
/** libs/platform's health routes, shared by all three services, carry no swagger decorators: said here. */
const PUBLIC_RESPONSES: Record<string, Responses> = {
  '/healthz': {
    200: { description: 'The process answers', ...json({ type: 'object', properties: { status: { const: 'ok' } } }) },
  },
  '/readyz': {
    200: {
      description: 'Every readiness check passed',
      ...json({ type: 'object', properties: { status: { const: 'ok' } } }),
    },
    // Which check failed is in the service's log, not in the public answer.
    503: { ...problemResponse(503), description: 'A readiness check failed (UNAVAILABLE)' },
  },
  '/metrics': {
    200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
  },
};

/** Bodies taking exactly one of these properties (class-validator checks it across fields; swagger cannot say it). */
const EXACTLY_ONE_OF: Record<string, string[]> = { CreateScheduleDto: ['cron', 'interval'] };

/**
 * What the decorators cannot say: request bodies reject unknown fields (the ValidationPipe's
 * forbidNonWhitelisted), every POST takes an Idempotency-Key (a global interceptor), every route
 * answers problem+json for the statuses of sharedProblems, routes outside /v1 (health, metrics) need
 * no credentials.
 */
export function refineDocument(document: OpenAPIObject): OpenAPIObject {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    if ('properties' in schema) schema.additionalProperties = false;
  }
  for (const [name, fields] of Object.entries(EXACTLY_ONE_OF)) {
    const schema = document.components?.schemas?.[name];
    if (schema && 'properties' in schema) schema.oneOf = fields.map((field) => ({ required: [field] }));
  }
  for (const [path, item] of Object.entries(document.paths)) {
    if (path.startsWith('/v1/')) {
      if (item.post) item.post.parameters = [...(item.post.parameters ?? []), IDEMPOTENCY_KEY];
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        for (const status of sharedProblems(path, method)) operation.responses[status] ??= problemResponse(status);
        if (!path.startsWith('/v1/admin/')) addRateLimitHeaders(operation.responses);
      }
      continue;
    }
    for (const operation of Object.values(item)) {
      if (operation && typeof operation === 'object' && 'responses' in operation) {
        operation.security = [];
        if (PUBLIC_RESPONSES[path]) operation.responses = PUBLIC_RESPONSES[path];
      }
    }
  }
  return document;
}

/** W3C trace context: continued on the delivery when valid, otherwise a new trace is started. */
export const TRACEPARENT = {
  name: 'traceparent',
  required: false,
  schema: { type: 'string' as const, example: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
  description: 'W3C trace context; an invalid one is ignored and a new trace started',
};

/** Optimistic concurrency: the `version` the change was based on; without it the change applies as is. */
export const IF_MATCH = {
  name: 'if-match',
  required: false,
  schema: { type: 'string' as const, example: '"3"' },
  description: 'The version the change is based on ("<version>"); 409 CONFLICT when it has changed since',
};
