import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ErrorCode } from '@hourglass/domain';

export class FieldError {
  @ApiProperty({ example: 'request.url', description: 'The failing field, with item index for arrays' })
  field!: string;

  @ApiProperty({ example: 'must be an absolute http(s) URL' })
  message!: string;
}

/** RFC 9457 problem details: every error this API answers (libs/platform/src/http/error-status.ts). */
export class Problem {
  @ApiProperty({ format: 'uri', example: 'https://hourglass.dev/errors/validation-failed' })
  type!: string;

  @ApiProperty({ example: 'Validation failed' })
  title!: string;

  @ApiProperty({ type: 'integer', minimum: 400, maximum: 599, example: 400 })
  status!: number;

  @ApiProperty({ enum: Object.values(ErrorCode), description: 'Stable: switch on this, never on `detail`' })
  code!: ErrorCode;

  @ApiProperty({ example: 'request.url must be an absolute http(s) URL' })
  detail!: string;

  @ApiPropertyOptional({ description: 'Quote it when reporting a problem' })
  requestId?: string;

  @ApiPropertyOptional({ type: [FieldError], description: 'Every failing field (400 VALIDATION_FAILED only)' })
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const WHEN: Record<number, string> = {
  400: 'Invalid request (VALIDATION_FAILED, with `errors[]`; BAD_REQUEST for a URL that is not validly encoded)',
  401: 'Missing, invalid, revoked or expired credentials (UNAUTHENTICATED)',
  403: 'The API key lacks the scope this route needs (FORBIDDEN)',
  404: 'No such resource in this organization',
  409: 'Conflict with the current state, or the same Idempotency-Key still in flight',
  413: 'The body is over the size limit (PAYLOAD_TOO_LARGE)',
  415: 'The body is not application/json (UNSUPPORTED_MEDIA_TYPE)',
  422: 'The Idempotency-Key was used with a different request (IDEMPOTENCY_KEY_REUSED)',
  429: "Over the plan's API rate limit (RATE_LIMITED, with `Retry-After` seconds) or its quota (QUOTA_EXCEEDED)",
  503: 'The database is unavailable; retry after `Retry-After` seconds (UNAVAILABLE)',
};

/** The problem+json response of each status; the statuses every route shares are added by refineDocument. */
export function problemResponse(status: number) {
  return {
    description: WHEN[status] ?? 'Error',
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(Problem) } } },
  };
}

/** Statuses a route answers beyond those refineDocument adds to every route of its kind. */
export const ApiProblems = (...statuses: number[]) =>
  applyDecorators(
    ApiExtraModels(Problem),
    ...statuses.map((status) => ApiResponse({ status, ...problemResponse(status) })),
  );
