import { ErrorCode } from '@hourglass/domain';

/** Exhaustive: adding an ErrorCode without a status fails the build. */
export const errorStatus: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  TARGET_NOT_ALLOWED: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ORG_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  API_KEY_ALREADY_ROTATED: 409,
  API_KEY_EXPIRED: 409,
  API_KEY_PRIVILEGE_EXCEEDED: 403,
  TASK_NOT_FOUND: 404,
  TASK_ALREADY_FINISHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  REQUEST_TIMEOUT: 408,
  GONE: 410,
  PRECONDITION_FAILED: 412,
  URI_TOO_LONG: 414,
  UNPROCESSABLE_CONTENT: 422,
  HEADERS_TOO_LARGE: 431,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_IN_FLIGHT: 409,
  SCHEDULE_NOT_FOUND: 404,
  QUEUE_NOT_FOUND: 404,
  QUEUE_ALREADY_EXISTS: 409,
  QUEUE_NOT_EMPTY: 409,
  ENDPOINT_NOT_FOUND: 404,
  NOTIFICATION_CHANNEL_NOT_FOUND: 404,
  MONITOR_NOT_FOUND: 404,
  EVENT_NOT_FOUND: 404,
  STATUS_PAGE_NOT_FOUND: 404,
  STATUS_PAGE_SLUG_TAKEN: 409,
  BADGE_NOT_FOUND: 404,
  SIGNATURE_INVALID: 401,
  ENDPOINT_PAUSED: 503,
  CONFLICT: 409,
  UNAVAILABLE: 503,
  SHUTTING_DOWN: 503,
  INTERNAL: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  GATEWAY_TIMEOUT: 504,
};

/**
 * The code of an error that carries only an HTTP status (a Nest `HttpException`, a Fastify error):
 * the generic code of that status. Statuses without one fall back to BAD_REQUEST (4xx) or INTERNAL.
 */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: ErrorCode.VALIDATION_FAILED,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.METHOD_NOT_ALLOWED,
  406: ErrorCode.NOT_ACCEPTABLE,
  408: ErrorCode.REQUEST_TIMEOUT,
  409: ErrorCode.CONFLICT,
  410: ErrorCode.GONE,
  412: ErrorCode.PRECONDITION_FAILED,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  414: ErrorCode.URI_TOO_LONG,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  422: ErrorCode.UNPROCESSABLE_CONTENT,
  429: ErrorCode.RATE_LIMITED,
  431: ErrorCode.HEADERS_TOO_LARGE,
  500: ErrorCode.INTERNAL,
  501: ErrorCode.NOT_IMPLEMENTED,
  502: ErrorCode.BAD_GATEWAY,
  503: ErrorCode.UNAVAILABLE,
  504: ErrorCode.GATEWAY_TIMEOUT,
};

export function codeOfStatus(status: number): ErrorCode {
  return CODE_OF_STATUS[status] ?? (status >= 400 && status < 500 ? ErrorCode.BAD_REQUEST : ErrorCode.INTERNAL);
}

const kebab = (code: string) => code.toLowerCase().replace(/_/g, '-');
const titleOf = (code: string) => {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  requestId?: string;
  errors?: { field: string; message: string }[];
}

/** RFC 9457 problem details for an error code. */
export function problem(
  code: ErrorCode,
  detail: string,
  requestId?: string,
  errors?: ProblemDetails['errors'],
): ProblemDetails {
  return {
    type: `https://hourglass.dev/errors/${kebab(code)}`,
    title: titleOf(code),
    status: errorStatus[code],
    code,
    detail,
    ...(requestId ? { requestId } : {}),
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}
