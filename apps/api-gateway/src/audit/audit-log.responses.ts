import { ApiProperty } from '@nestjs/swagger';
import { ACTOR_TYPES } from '@hourglass/domain';
import type { AuditEntryResponse } from './audit-log.dto.js';

export class AuditActorView {
  @ApiProperty({ enum: ACTOR_TYPES })
  type!: 'api_key' | 'admin';

  @ApiProperty({ description: 'The API key id, or "admin"' })
  id!: string;
}

/** What GET /v1/audit-log answers per entry (toAuditEntryResponse). */
export class AuditEntry implements AuditEntryResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;

  @ApiProperty({ type: AuditActorView })
  actor!: AuditActorView;

  @ApiProperty({ example: 'task.created' })
  action!: string;

  @ApiProperty({ example: 'task' })
  resourceType!: string;

  @ApiProperty()
  resourceId!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'array', minItems: 2, maxItems: 2, items: {} },
    description: 'field → [before, after]; a secret shows as "[redacted]", never its value',
  })
  changes!: Record<string, [unknown, unknown]>;
}

export class AuditLogPage {
  @ApiProperty({ type: [AuditEntry] })
  data!: AuditEntry[];

  @ApiProperty({ type: 'string', nullable: true })
  nextCursor!: string | null;
}
