import { ApiProperty } from '@nestjs/swagger';
import type { CreatedSigningSecretResponse, SigningSecretResponse } from './signing-secrets.dto.js';

/** A signing secret as listed (toSigningSecretResponse): only its first characters. */
export class SigningSecret implements SigningSecretResponse {
  @ApiProperty()
  id!: string;

  @ApiProperty({ pattern: '^whsec_', description: '`whsec_` and the first characters of the secret' })
  prefix!: string;

  @ApiProperty({ description: 'Whether deliveries are signed with it now' })
  active!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When its overlap ends' })
  expiresAt!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  revokedAt!: string | null;
}

export class CreatedSigningSecret extends SigningSecret implements CreatedSigningSecretResponse {
  @ApiProperty({ pattern: '^whsec_', description: 'Shown only here: the new secret in full' })
  signingSecret!: string;
}

export class SigningSecretList {
  @ApiProperty({ type: [SigningSecret] })
  data!: SigningSecret[];
}

export class SigningSecretPage extends SigningSecretList {
  @ApiProperty({ type: 'null', description: 'Always null: one page holds them all' })
  nextCursor!: null;
}
