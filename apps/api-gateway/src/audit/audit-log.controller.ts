import { Controller, Get, Header, Inject, Query, StreamableFile } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces } from '@nestjs/swagger';
import type { Page } from '@hourglass/db';
import { Auth, type AuthContext, RequireScope } from '../auth/auth.decorators.js';
import { AuditLogPage } from './audit-log.responses.js';
import { type AuditEntryResponse, AuditLogFilterQuery, AuditLogQuery } from './audit-log.dto.js';
import { AuditLogService } from './audit-log.service.js';

/** Who did what is for the org's administrators (docs/decisions/0016): the admin scope, like key management. */
@RequireScope('admin')
@Controller('v1/audit-log')
export class AuditLogController {
  constructor(@Inject(AuditLogService) private readonly audit: AuditLogService) {}

  @Get()
  @ApiOperation({ summary: 'Who changed what, newest first (action, resourceType, resourceId, actor, after, before)' })
  @ApiOkResponse({ type: AuditLogPage })
  list(@Auth() auth: AuthContext, @Query() query: AuditLogQuery): Promise<Page<AuditEntryResponse>> {
    return this.audit.list(auth.orgId, query);
  }

  @Get('export')
  @Header('content-type', 'application/x-ndjson')
  @ApiOperation({ summary: 'Every matching entry as NDJSON (one entry a line, newest first), streamed' })
  @ApiProduces('application/x-ndjson')
  @ApiOkResponse({ description: 'One audit entry (as in GET /v1/audit-log) a line', schema: { type: 'string' } })
  export(@Auth() auth: AuthContext, @Query() query: AuditLogFilterQuery): StreamableFile {
    return new StreamableFile(this.audit.export(auth.orgId, query), { type: 'application/x-ndjson' });
  }
}
