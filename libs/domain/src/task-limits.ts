const DAY_MS = 86_400_000;

/** Limits of a task request, shared by validation (api-gateway) and delivery (dispatcher). */
export const TaskLimits = {
  maxBodyBytes: 256 * 1024,
  maxStoredResponseBytes: 256 * 1024,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 300_000,
  defaultTimeoutMs: 30_000,
  minAttempts: 1,
  maxAttempts: 11,
  defaultMaxAttempts: 6,
  minPriority: 1,
  maxPriority: 10,
  defaultPriority: 5,
  maxLabels: 20,
  maxLabelKeyLength: 100,
  maxLabelValueLength: 1_000,
  maxHeaders: 64,
  maxHeaderNameLength: 256,
  maxHeaderValueBytes: 8 * 1024,
  maxUrlLength: 2_048,
  /** `delay` and `runAt` reach at most this far ahead. */
  maxDelayMs: 366 * DAY_MS,
  maxExpectedStatusCodes: 20,
  maxExpectedBodyPatternLength: 1_000,
  maxQueueNameLength: 64,
} as const;

/** Limits of a schedule beyond its task template. */
export const ScheduleLimits = {
  maxNameLength: 200,
  /** Croner's parse and search time grows with the expression: a bound keeps every call in the millisecond range. */
  maxCronLength: 256,
  maxTimezoneLength: 64,
  minIntervalMs: 1_000,
  maxIntervalMs: 366 * DAY_MS,
  /** `GET /v1/schedules/{id}/next`: at most this many fire times… */
  maxPreviewCount: 100,
  /** …and none further ahead than this (a Feb 29 cron fires once in four years). */
  previewHorizonMs: 10 * 366 * DAY_MS,
} as const;

/** Limits of any request to the API, enforced before a DTO is built. */
export const RequestLimits = {
  /** Larger bodies are 413 PAYLOAD_TOO_LARGE. */
  maxBodyBytes: 1024 * 1024,
  /** Deeper JSON is 400: class-transformer and JSON.stringify recurse, and would overflow the stack. */
  maxJsonDepth: 32,
  /** Longer path parameters are 414 (ids are 36 characters, queue names 64). */
  maxParamLength: 100,
  /**
   * A whole request (headers and body) must arrive within this: Fastify turns Node's limit off, so a client
   * sending its body a byte at a time held a connection forever. Later answers are 408 REQUEST_TIMEOUT.
   */
  maxRequestMs: 30_000,
} as const;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** RFC 9110 token: what a header name may contain. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Headers the dispatcher sets itself; a task may not override them. */
export const RESERVED_HEADERS = [
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'hourglass-attempt',
  'hourglass-schedule-id',
  'traceparent',
] as const;
