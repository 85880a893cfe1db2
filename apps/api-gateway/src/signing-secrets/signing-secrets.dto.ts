import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { DURATION_PATTERN } from '@hourglass/domain';
import type { SigningSecretRow } from '@hourglass/db';
import { RefusesNull } from '@hourglass/platform';
import { IsDuration } from '../tasks/task.validators.js';

@RefusesNull()
export class RotateSigningSecretDto {
  @ApiPropertyOptional({
    example: '24h',
    default: '24h',
    pattern: DURATION_PATTERN,
    description: 'How long the current secrets keep signing beside the new one ("0s": stop at once; at most 30d)',
  })
  @IsOptional()
  @IsDuration()
  overlap?: string;
}

/** A signing secret as listed: never the secret itself, only its first characters. */
export interface SigningSecretResponse {
  id: string;
  /** `whsec_` and the first characters of the secret, to tell secrets apart. */
  prefix: string;
  /** Whether deliveries are signed with it now. */
  active: boolean;
  createdAt: string;
  /** When its overlap window ends (it stops signing then); null while it is the newest. */
  expiresAt: string | null;
  revokedAt: string | null;
}

/** Only in the rotation response: the new secret in full. */
export interface CreatedSigningSecretResponse extends SigningSecretResponse {
  signingSecret: string;
}

export const SECRET_PREFIX_LENGTH = 'whsec_'.length + 4;

export function toSigningSecretResponse(row: SigningSecretRow, secret: string): SigningSecretResponse {
  return {
    id: row.id,
    prefix: secret.slice(0, SECRET_PREFIX_LENGTH),
    active: row.active,
    createdAt: row.createdAt.toISOString(),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
