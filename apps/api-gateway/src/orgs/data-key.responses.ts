import { ApiProperty } from '@nestjs/swagger';
import type { DataKeyStatusResponse, DataKeyVersionResponse } from './data-key.service.js';

export class DataKeyVersionEntry implements DataKeyVersionResponse {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 65535 })
  version!: number;

  @ApiProperty({ description: 'The master key version that wraps it', example: 'v1' })
  masterVersion!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

export class DataKeyStatus implements DataKeyStatusResponse {
  @ApiProperty({ format: 'uuid' })
  orgId!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 65535, description: 'The version that seals new values' })
  version!: number;

  @ApiProperty({ type: [DataKeyVersionEntry], description: 'Every version kept, oldest first' })
  versions!: DataKeyVersionEntry[];

  @ApiProperty({ description: 'Older versions remain: their rows are being re-sealed under the newest' })
  rotationPending!: boolean;
}
