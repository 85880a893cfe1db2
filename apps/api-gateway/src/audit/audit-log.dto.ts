import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Matches, ValidateIf } from 'class-validator';
import type { AuditRow } from '@hourglass/db';
import { type Actor, ADMIN_ACTOR, AUDIT_ACTION_PATTERN, type AuditChanges } from '@hourglass/domain';
import { PageQuery } from '../tasks/tasks-query.dto.js';
import { IsInstant } from '../tasks/task.validators.js';

/** Every kind of resource the audit log records. */
export const AUDIT_RESOURCE_TYPES = ['task', 'schedule', 'queue', 'api_key', 'signing_secret', 'org'] as const;

export class AuditLogFilterQuery {
  @ApiPropertyOptional({ example: 'task.created', pattern: AUDIT_ACTION_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(AUDIT_ACTION_PATTERN, { message: 'must be resource.verb, like "task.created"' })
  action?: string;

  @ApiPropertyOptional({ enum: AUDIT_RESOURCE_TYPES })
  @IsOptional()
  @IsIn(AUDIT_RESOURCE_TYPES)
  resourceType?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  resourceId?: string;

  @ApiPropertyOptional({ description: 'An API key id, or "admin" for the admin token' })
  @IsOptional()
  @ValidateIf((query: AuditLogFilterQuery) => query.actor !== ADMIN_ACTOR.id)
  @IsUUID('all', { message: 'must be an API key id (a UUID) or "admin"' })
  actor?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'At or after; RFC 3339, a real calendar instant' })
  @IsOptional()
  @IsInstant()
  after?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Before; RFC 3339, a real calendar instant' })
  @IsOptional()
  @IsInstant()
  before?: string;
}

export class AuditLogQuery extends IntersectionType(PageQuery, AuditLogFilterQuery) {}

export interface AuditEntryResponse {
  id: string;
  at: string;
  actor: Actor;
  action: string;
  resourceType: string;
  resourceId: string;
  changes: AuditChanges;
}

export function toAuditEntryResponse(row: AuditRow): AuditEntryResponse {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: { type: row.actorType, id: row.actorId },
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    changes: row.changes ?? {},
  };
}
