import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyEntity, type ApiKeyScope } from '@hourglass/db';
import { RefusesNull } from '@hourglass/platform';
import { IsInstant } from '../tasks/task.validators.js';

@RefusesNull()
export class CreateApiKeyDto {
  @ApiPropertyOptional({ example: 'ci', minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: API_KEY_SCOPES, isArray: true, minItems: 1, maxItems: API_KEY_SCOPES.length })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(API_KEY_SCOPES.length)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes?: ApiKeyScope[];

  @ApiPropertyOptional({ format: 'date-time', description: 'RFC 3339, a real calendar instant' })
  @IsOptional()
  @IsInstant()
  expiresAt?: string;
}

export const MAX_GRACE_SECONDS = 604_800;
export const DEFAULT_GRACE_SECONDS = 3600;

@RefusesNull()
export class RotateApiKeyDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_GRACE_SECONDS,
    default: DEFAULT_GRACE_SECONDS,
    description: 'How long the old key keeps working; 0 ends it at once',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  graceSeconds?: number;
}

/** Never carries the secret or its hash; `key` appears once, in the creation response. */
export interface ApiKeyResponse {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  replacedBy: string | null;
  graceEndsAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface CreatedApiKeyResponse extends ApiKeyResponse {
  key: string;
}

export function toApiKeyResponse(row: ApiKeyEntity): ApiKeyResponse {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    replacedBy: row.replacedBy,
    graceEndsAt: row.graceEndsAt?.toISOString() ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
  };
}
