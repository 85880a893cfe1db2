import { Readable } from 'node:stream';
import { Inject, Injectable } from '@nestjs/common';
import { type AuditFilter, AuditTrail, type Page } from '@hourglass/db';
import { DEFAULT_PAGE_SIZE } from '../tasks/tasks-query.dto.js';
import {
  type AuditEntryResponse,
  type AuditLogFilterQuery,
  type AuditLogQuery,
  toAuditEntryResponse,
} from './audit-log.dto.js';

/** Rows per query of an export: one page in memory at a time. */
const EXPORT_PAGE = 500;

@Injectable()
export class AuditLogService {
  constructor(@Inject(AuditTrail) private readonly trail: AuditTrail) {}

  async list(orgId: string, query: AuditLogQuery): Promise<Page<AuditEntryResponse>> {
    const page = await this.trail.listForOrg(orgId, toFilter(query, query.limit ?? DEFAULT_PAGE_SIZE, query.cursor));
    return { data: page.data.map(toAuditEntryResponse), nextCursor: page.nextCursor };
  }

  /** Every matching entry, newest first, one JSON object a line, read page by page as the client takes them. */
  export(orgId: string, query: AuditLogFilterQuery): Readable {
    const trail = this.trail;
    async function* lines(): AsyncGenerator<string> {
      let cursor: string | undefined;
      do {
        const page = await trail.listForOrg(orgId, toFilter(query, EXPORT_PAGE, cursor));
        yield page.data.map((row) => `${JSON.stringify(toAuditEntryResponse(row))}\n`).join('');
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    }
    return Readable.from(lines());
  }
}

function toFilter(query: AuditLogFilterQuery, limit: number, cursor: string | undefined): AuditFilter {
  return {
    limit,
    cursor,
    action: query.action,
    resourceType: query.resourceType,
    resourceId: query.resourceId,
    actor: query.actor,
    after: query.after ? new Date(query.after) : undefined,
    before: query.before ? new Date(query.before) : undefined,
  };
}
