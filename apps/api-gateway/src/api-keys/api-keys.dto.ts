import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsRFC3339, IsString, Length } from 'class-validator';
import { API_KEY_SCOPES, type ApiKeyEntity, type ApiKeyScope } from '@hourglass/db';

export class CreateApiKeyDto {
  @ApiPropertyOptional({ example: 'ci' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({ enum: API_KEY_SCOPES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(API_KEY_SCOPES, { each: true })
  scopes?: ApiKeyScope[];

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsRFC3339()
  expiresAt?: string;
}

/** Never carries the secret or its hash; `key` appears once, in the creation response. */
export interface ApiKeyResponse {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  expiresAt: string | null;
  lastUsedAt: string | null;
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
    createdAt: row.createdAt.toISOString(),
  };
}
