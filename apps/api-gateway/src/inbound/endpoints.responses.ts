import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { InboundEndpointRow } from '@hourglass/db';
import { formatDuration } from '@hourglass/domain';
import { PROVIDERS } from './endpoints.dto.js';
import { RateLimitView } from '../queues/queues.responses.js';

export class VerifyView {
  @ApiProperty({ enum: PROVIDERS })
  provider!: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many secrets verify (they are never shown)' })
  secretCount!: number;

  @ApiProperty({ type: 'integer' })
  toleranceSeconds!: number;

  @ApiPropertyOptional()
  header?: string;

  @ApiPropertyOptional({ enum: ['sha256', 'sha512'] })
  algorithm?: string;

  @ApiPropertyOptional({ enum: ['hex', 'base64'] })
  encoding?: string;

  @ApiPropertyOptional()
  prefix?: string;
}

export class ForwardView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'array', items: {} }, nullable: true })
  filter!: Record<string, unknown[]> | null;

  @ApiProperty({ type: [String] })
  allowHeaders!: string[];
}

export class DedupView {
  @ApiProperty({ example: '24h', description: '"0s": off' })
  window!: string;

  @ApiProperty({ nullable: true, type: String, description: 'null: the provider default key' })
  key!: string | null;
}

export class CustomResponseView {
  @ApiProperty({ type: 'integer' })
  status!: number;

  @ApiProperty()
  body!: string;

  @ApiProperty()
  contentType!: string;
}

export class Endpoint {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  slug!: string;

  @ApiProperty({ description: 'Where providers send: <public base>/in/<slug>' })
  url!: string;

  @ApiProperty({ type: VerifyView })
  verify!: VerifyView;

  @ApiProperty({ type: [ForwardView] })
  forward!: ForwardView[];

  @ApiProperty({ type: DedupView })
  dedup!: DedupView;

  @ApiProperty()
  ordered!: boolean;

  @ApiProperty({ type: 'integer' })
  bodyLimit!: number;

  @ApiProperty({ type: CustomResponseView, nullable: true })
  response!: CustomResponseView | null;

  @ApiProperty()
  paused!: boolean;

  @ApiProperty({ enum: ['store', 'refuse'] })
  whilePaused!: 'store' | 'refuse';

  @ApiProperty({ type: RateLimitView, nullable: true })
  rateLimit!: RateLimitView | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class EndpointPage {
  @ApiProperty({ type: [Endpoint] })
  data!: Endpoint[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

/** The API view of an endpoint: secrets counted, never shown. */
export function toEndpointResponse(row: InboundEndpointRow, publicBase: string): Endpoint {
  const { secrets, ...verify } = row.verify;
  return {
    id: row.id,
    name: row.name,
    slug: row.slug,
    url: `${publicBase}/in/${row.slug}`,
    verify: { ...verify, secretCount: secrets.length },
    forward: row.forwards.map(({ headers, ...forward }) => ({ ...forward, allowHeaders: headers })),
    dedup: { window: row.dedupWindowMs === 0 ? '0s' : formatDuration(row.dedupWindowMs), key: row.dedupKey },
    ordered: row.ordered,
    bodyLimit: row.bodyLimit,
    response: row.response,
    paused: row.paused,
    whilePaused: row.pausedMode,
    rateLimit: row.rateLimit && {
      count: row.rateLimit.count,
      per: row.rateLimit.perSeconds === 60 ? 'minute' : 'second',
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
