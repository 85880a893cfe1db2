/** Stable, machine-readable error codes. Clients switch on these, never on messages. */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** A task, schedule or callback URL naming a private, loopback or link-local host outside local mode. */
  TARGET_NOT_ALLOWED: 'TARGET_NOT_ALLOWED',
  /** A request the HTTP layer could not read (malformed request line, headers or URL encoding). */
  BAD_REQUEST: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  ORG_NOT_FOUND: 'ORG_NOT_FOUND',
  API_KEY_NOT_FOUND: 'API_KEY_NOT_FOUND',
  /** Rotating a key that was already rotated: rotate its replacement instead. */
  API_KEY_ALREADY_ROTATED: 'API_KEY_ALREADY_ROTATED',
  /** Rotating a key that was revoked or has expired. */
  API_KEY_EXPIRED: 'API_KEY_EXPIRED',
  /** Minting a key with scopes or an expiry beyond the caller's own, or an admin key with a key. */
  API_KEY_PRIVILEGE_EXCEEDED: 'API_KEY_PRIVILEGE_EXCEEDED',
  TASK_NOT_FOUND: 'TASK_NOT_FOUND',
  TASK_ALREADY_FINISHED: 'TASK_ALREADY_FINISHED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  NOT_ACCEPTABLE: 'NOT_ACCEPTABLE',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  GONE: 'GONE',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  URI_TOO_LONG: 'URI_TOO_LONG',
  UNPROCESSABLE_CONTENT: 'UNPROCESSABLE_CONTENT',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMITED',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_FLIGHT: 'IDEMPOTENCY_KEY_IN_FLIGHT',
  SCHEDULE_NOT_FOUND: 'SCHEDULE_NOT_FOUND',
  QUEUE_NOT_FOUND: 'QUEUE_NOT_FOUND',
  QUEUE_ALREADY_EXISTS: 'QUEUE_ALREADY_EXISTS',
  QUEUE_NOT_EMPTY: 'QUEUE_NOT_EMPTY',
  ENDPOINT_NOT_FOUND: 'ENDPOINT_NOT_FOUND',
  NOTIFICATION_CHANNEL_NOT_FOUND: 'NOTIFICATION_CHANNEL_NOT_FOUND',
  EVENT_NOT_FOUND: 'EVENT_NOT_FOUND',
  STATUS_PAGE_NOT_FOUND: 'STATUS_PAGE_NOT_FOUND',
  /** Another status page (of any org) has this slug: slugs are one public namespace. */
  STATUS_PAGE_SLUG_TAKEN: 'STATUS_PAGE_SLUG_TAKEN',
  BADGE_NOT_FOUND: 'BADGE_NOT_FOUND',
  /** An inbound request whose signature did not verify (stored with its rejection, never forwarded). */
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  /** An inbound endpoint paused with `whilePaused: refuse`. */
  ENDPOINT_PAUSED: 'ENDPOINT_PAUSED',
  MONITOR_NOT_FOUND: 'MONITOR_NOT_FOUND',
  CONFLICT: 'CONFLICT',
  UNAVAILABLE: 'UNAVAILABLE',
  /** A request that reached a process already draining for shutdown (SIGTERM): retry, on a new connection. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  INTERNAL: 'INTERNAL',
  NOT_IMPLEMENTED: 'NOT_IMPLEMENTED',
  BAD_GATEWAY: 'BAD_GATEWAY',
  GATEWAY_TIMEOUT: 'GATEWAY_TIMEOUT',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface FieldError {
  field: string;
  message: string;
}

/** A failure the caller can act on. Services throw this; the transport maps `code` to a status. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors?: FieldError[],
  ) {
    super(message);
    this.name = 'AppError';
  }
}
