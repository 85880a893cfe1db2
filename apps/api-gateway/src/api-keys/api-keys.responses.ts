import { ApiProperty } from '@nestjs/swagger';
import { API_KEY_SCOPES, type ApiKeyScope } from '@hourglass/db';
import type { ApiKeyResponse, CreatedApiKeyResponse } from './api-keys.dto.js';

/** An API key as listed (toApiKeyResponse): never its secret. */
export class ApiKey implements ApiKeyResponse {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: API_KEY_SCOPES, isArray: true })
  scopes!: ApiKeyScope[];

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  expiresAt!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  lastUsedAt!: string | null;

  @ApiProperty({ type: 'string', nullable: true, description: 'Set once rotated: the key that replaces this one' })
  replacedBy!: string | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'Set once rotated: this key answers 401 from then on',
  })
  graceEndsAt!: string | null;

  @ApiProperty({
    type: 'string',
    nullable: true,
    description:
      'The id of the key that made this one, or "admin" (the operator token); null for keys made before this was recorded',
  })
  createdBy!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class CreatedApiKey extends ApiKey implements CreatedApiKeyResponse {
  @ApiProperty({ pattern: '^hg_', description: 'Shown only here: send it as Authorization: Bearer <key>' })
  key!: string;
}

export class ApiKeyList {
  @ApiProperty({ type: [ApiKey] })
  data!: ApiKey[];
}
