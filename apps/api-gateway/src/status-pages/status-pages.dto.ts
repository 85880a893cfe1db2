import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { RefusesNull } from '@hourglass/platform';
import { constraint } from '../tasks/task.validators.js';

/** Lowercase letters, digits and inner dashes, 3-64 long: a path segment that never needs escaping. */
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;
export const MAX_PAGE_MONITORS = 50;

/** Words a slug may not be: they read as the service's own pages on a shared public namespace. */
export const RESERVED_SLUGS = new Set([
  'admin',
  'api',
  'app',
  'assets',
  'badge',
  'dashboard',
  'docs',
  'health',
  'help',
  'hourglass',
  'login',
  'metrics',
  'new',
  'official',
  'ping',
  'security',
  'settings',
  'signup',
  'static',
  'status',
  'support',
  'www',
]);

const IsFreeSlug = () =>
  constraint('isFreeSlug', (value) =>
    typeof value === 'string' && RESERVED_SLUGS.has(value) ? 'is a reserved word' : undefined,
  );

/** The same rules on create (required) and update (optional). */
const field = (required: boolean, doc: Record<string, unknown>, ...rules: PropertyDecorator[]) =>
  applyDecorators(
    required ? ApiProperty(doc) : ApiPropertyOptional(doc),
    ...(required ? [] : [IsOptional()]),
    ...rules,
  );

const Slug = (required: boolean) =>
  field(
    required,
    {
      pattern: SLUG_PATTERN.source,
      minLength: 3,
      maxLength: 64,
      example: 'acme',
      description: 'The page is public at /status/<slug>; reserved words (status, admin, api, …) are refused',
    },
    IsString(),
    Matches(SLUG_PATTERN, { message: 'must be 3-64 lowercase letters, digits or inner dashes' }),
    IsFreeSlug(),
  );

const Title = (required: boolean) =>
  field(required, { minLength: 1, maxLength: 200, example: 'Acme status' }, IsString(), Length(1, 200));

const MonitorIds = (required: boolean) =>
  field(
    required,
    {
      type: [String],
      format: 'uuid',
      maxItems: MAX_PAGE_MONITORS,
      uniqueItems: true,
      description: "Monitors of this org shown, in this order (another org's id is refused like an unknown one)",
    },
    IsArray(),
    ArrayMaxSize(MAX_PAGE_MONITORS),
    ArrayUnique(),
    IsUUID('all', { each: true }),
  );

@RefusesNull()
export class CreateStatusPageDto {
  @Slug(true)
  slug!: string;

  @Title(true)
  title!: string;

  @MonitorIds(true)
  monitorIds!: string[];
}

@RefusesNull()
export class UpdateStatusPageDto {
  @Slug(false)
  slug?: string;

  @Title(false)
  title?: string;

  @MonitorIds(false)
  monitorIds?: string[];
}
