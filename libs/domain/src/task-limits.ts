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
