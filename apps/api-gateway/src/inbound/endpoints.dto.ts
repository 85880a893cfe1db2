import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { HEADER_NAME, RequestLimits } from '@hourglass/domain';
import { RefusesNull } from '@hourglass/platform';
import { constraint, IsDuration, IsTargetUrl } from '../tasks/task.validators.js';
import { RateLimitDto } from '../queues/queues.dto.js';

export const PROVIDERS = ['none', 'standard-webhooks', 'stripe', 'github', 'shopify', 'slack', 'hmac'] as const;
export const MAX_FORWARDS = 25;
export const DEFAULT_BODY_LIMIT = 256 * 1024;
export const DEFAULT_TOLERANCE_SECONDS = 300;
export const DEFAULT_DEDUP_WINDOW = '24h';
const MAX_DEDUP_WINDOW_MS = 30 * 86_400_000;
const FILTER_KEY =
  /^(body\.[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,9}|headers\.[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}|query\.[A-Za-z0-9_.-]{1,64})$/;
const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+(;[ \w=.+-]*)?$/;
const DEDUP_KEY = /^(header:[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}|body:[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+){0,9})$/;

/** `{ "body.type": ["invoke.paid"], "headers.x-event": ["a", "b"] }`: every key must match one of its values. */
const IsForwardFilter = () =>
  constraint('isForwardFilter', (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be an object';
    const entries = Object.entries(value);
    if (entries.length === 0 || entries.length > 10) return 'must have 1-10 conditions';
    for (const [key, allowed] of entries) {
      if (!FILTER_KEY.test(key)) return `"${key.slice(0, 80)}" must be body.<path>, headers.<name> or query.<name>`;
      if (!Array.isArray(allowed) || allowed.length === 0 || allowed.length > 50)
        return `${key} must be a list of 1-50 values`;
      if (!allowed.every((v) => ['string', 'number', 'boolean'].includes(typeof v) && String(v).length <= 256))
        return `${key} values must be strings, numbers or booleans of at most 256 characters`;
    }
    return undefined;
  });

@RefusesNull()
export class VerifyDto {
  @ApiProperty({ enum: PROVIDERS, example: 'stripe' })
  @IsIn(PROVIDERS)
  provider!: (typeof PROVIDERS)[number];

  @ApiPropertyOptional({
    type: [String],
    minItems: 1,
    maxItems: 5,
    description: 'Signing secrets; any of them verifies (rotation). Required but for provider none. Never shown again.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @Length(1, 512, { each: true })
  secrets?: string[];

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 86_400, default: DEFAULT_TOLERANCE_SECONDS })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400)
  toleranceSeconds?: number;

  @ApiPropertyOptional({
    description: 'hmac: the header carrying the signature',
    example: 'x-signature',
    pattern: HEADER_NAME.source,
    maxLength: 64,
  })
  @IsOptional()
  @Matches(HEADER_NAME, { message: 'must be a header name' })
  @MaxLength(64)
  header?: string;

  @ApiPropertyOptional({ enum: ['sha256', 'sha512'], default: 'sha256' })
  @IsOptional()
  @IsIn(['sha256', 'sha512'])
  algorithm?: 'sha256' | 'sha512';

  @ApiPropertyOptional({ enum: ['hex', 'base64'], default: 'hex' })
  @IsOptional()
  @IsIn(['hex', 'base64'])
  encoding?: 'hex' | 'base64';

  @ApiPropertyOptional({ description: 'hmac: text before the signature in the header, e.g. "sha256="', maxLength: 32 })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  prefix?: string;
}

@RefusesNull('filter')
export class ForwardDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'PATCH: keep this existing forward id (its events stay linked)' })
  @IsOptional()
  @IsUUID()
  id?: string;

  @ApiProperty({ example: 'https://api.example.com/stripe' })
  @IsTargetUrl()
  url!: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string', maxLength: 256 }, minItems: 1, maxItems: 50 },
    minProperties: 1,
    maxProperties: 10,
    // Not in @nestjs/swagger's types, valid JSON Schema: the fuzz suites draw keys from it.
    ...({ propertyNames: { pattern: FILTER_KEY.source } } as object),
    nullable: true,
    example: { 'body.type': ['invoice.paid'] },
    description:
      'Forward only requests where each key (body.<path>, headers.<name>, query.<name>) has one of the values',
  })
  @IsOptional()
  @IsForwardFilter()
  filter?: Record<string, (string | number | boolean)[]> | null;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 20,
    items: { type: 'string', pattern: HEADER_NAME.source, maxLength: 64 },
    description: 'More original headers to forward, besides content-type, user-agent and the provider event headers',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @Matches(HEADER_NAME, { each: true, message: 'each must be a header name' })
  @MaxLength(64, { each: true })
  allowHeaders?: string[];
}

@RefusesNull()
export class DedupDto {
  @ApiPropertyOptional({
    example: '24h',
    default: DEFAULT_DEDUP_WINDOW,
    description: 'At most 30d; "0s" turns dedup off',
  })
  @IsOptional()
  @IsDuration(MAX_DEDUP_WINDOW_MS)
  window?: string;

  @ApiPropertyOptional({
    example: 'header:x-request-id',
    pattern: DEDUP_KEY.source,
    description:
      'header:<name> or body:<json path>; default: the provider key (webhook-id, Stripe body.id, X-GitHub-Delivery, X-Shopify-Webhook-Id)',
  })
  @IsOptional()
  @Matches(DEDUP_KEY, { message: 'must be header:<name> or body:<path>' })
  key?: string;
}

@RefusesNull()
export class CustomResponseDto {
  @ApiProperty({ type: 'integer', minimum: 200, maximum: 299, example: 200 })
  @IsInt()
  @Min(200)
  @Max(299)
  status!: number;

  @ApiPropertyOptional({ maxLength: 10_000, example: 'ok' })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  body?: string;

  @ApiPropertyOptional({ maxLength: 100, default: 'text/plain; charset=utf-8', pattern: MEDIA_TYPE.source })
  @IsOptional()
  @Matches(MEDIA_TYPE, { message: 'must be a media type' })
  @MaxLength(100)
  contentType?: string;
}

/** Everything of an endpoint but its name; `forward` replaces the list whole (a forward naming its id keeps it). */
class EndpointSettingsDto {
  @ApiPropertyOptional({ type: VerifyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => VerifyDto)
  verify?: VerifyDto;

  @ApiPropertyOptional({ type: [ForwardDto], maxItems: MAX_FORWARDS })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FORWARDS)
  @ValidateNested({ each: true })
  @Type(() => ForwardDto)
  forward?: ForwardDto[];

  @ApiPropertyOptional({ type: DedupDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => DedupDto)
  dedup?: DedupDto;

  @ApiPropertyOptional({
    default: false,
    description: 'Forward one request at a time, in arrival order (through the named queue inbound-<endpoint id>)',
  })
  @IsOptional()
  @IsBoolean()
  ordered?: boolean;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: RequestLimits.maxBodyBytes,
    default: DEFAULT_BODY_LIMIT,
    description: 'Largest request body accepted, in bytes (larger is 413)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(RequestLimits.maxBodyBytes)
  bodyLimit?: number;

  @ApiPropertyOptional({ type: CustomResponseDto, nullable: true, description: 'What /in answers; default 202 { id }' })
  @IsOptional()
  @ValidateNested()
  @Type(() => CustomResponseDto)
  response?: CustomResponseDto | null;

  @ApiPropertyOptional({
    type: RateLimitDto,
    nullable: true,
    description: 'Most requests per second or minute, across replicas (over it: 429 with Retry-After); null removes it',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitDto)
  rateLimit?: RateLimitDto | null;

  @ApiPropertyOptional({
    enum: ['store', 'refuse'],
    default: 'store',
    description: 'While paused: store requests without forwarding them, or refuse them with 503',
  })
  @IsOptional()
  @IsIn(['store', 'refuse'])
  whilePaused?: 'store' | 'refuse';
}

@RefusesNull('response', 'rateLimit')
export class UpdateEndpointDto extends EndpointSettingsDto {
  @ApiPropertyOptional({ maxLength: 100, example: 'stripe-prod' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  name?: string;
}

@RefusesNull('response', 'rateLimit')
export class CreateEndpointDto extends EndpointSettingsDto {
  @ApiProperty({ maxLength: 100, example: 'stripe-prod' })
  @IsString()
  @Length(1, 100)
  name!: string;
}
