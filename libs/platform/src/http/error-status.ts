import { ErrorCode } from '@hourglass/domain';

/** Exhaustive: adding an ErrorCode without a status fails the build. */
export const errorStatus: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ORG_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  TASK_NOT_FOUND: 404,
  TASK_ALREADY_FINISHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_KEY_IN_FLIGHT: 409,
  SCHEDULE_NOT_FOUND: 404,
  QUEUE_NOT_FOUND: 404,
  QUEUE_ALREADY_EXISTS: 409,
  QUEUE_NOT_EMPTY: 409,
  CONFLICT: 409,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

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
