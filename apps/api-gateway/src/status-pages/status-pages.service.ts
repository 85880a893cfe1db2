import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditTrail, newId, type StatusPagePatch, StatusPageRepository, type StatusPageRow } from '@hourglass/db';
import { type Actor, AppError, ErrorCode } from '@hourglass/domain';
import { APP_CONFIG } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import { entry } from '../audit/audit-entries.js';
import type { CreateStatusPageDto, UpdateStatusPageDto } from './status-pages.dto.js';
import { type StatusPage, type StatusPagePage, toStatusPageResponse } from './status-pages.responses.js';

const AUDITED = ['slug', 'title', 'monitorIds'] as const;

/** Status pages of an org (docs/decisions/0023); the public side is PublicStatusService. */
@Injectable()
export class StatusPagesService {
  private readonly publicBase: string;

  constructor(
    @Inject(StatusPageRepository) private readonly pages: StatusPageRepository,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Inject(APP_CONFIG) config: ApiGatewayConfig,
  ) {
    this.publicBase = (config.http.publicUrl ?? `http://localhost:${config.http.port}`).replace(/\/+$/, '');
  }

  async create(orgId: string, actor: Actor, dto: CreateStatusPageDto): Promise<StatusPage> {
    const row = await this.db.transaction(async (em) => {
      await this.assertOwnMonitors(orgId, dto.monitorIds, em);
      const written = await this.pages.insert(
        { id: newId(), orgId, slug: dto.slug, title: dto.title, monitorIds: dto.monitorIds },
        em,
      );
      await this.audit.record(em, [entry(actor, orgId, 'status_page.created', written.id, null, written, AUDITED)]);
      return written;
    });
    return this.view(row);
  }

  async list(orgId: string, limit = 20, cursor?: string): Promise<StatusPagePage> {
    const page = await this.pages.list(orgId, limit, cursor);
    return { data: page.data.map((row) => this.view(row)), nextCursor: page.nextCursor };
  }

  async get(orgId: string, id: string): Promise<StatusPage> {
    const row = await this.pages.find(orgId, id);
    if (!row) throw notFound(id);
    return this.view(row);
  }

  async update(orgId: string, actor: Actor, id: string, dto: UpdateStatusPageDto): Promise<StatusPage> {
    const patch: StatusPagePatch = {
      ...(dto.slug === undefined ? {} : { slug: dto.slug }),
      ...(dto.title === undefined ? {} : { title: dto.title }),
      ...(dto.monitorIds === undefined ? {} : { monitorIds: dto.monitorIds }),
    };
    const row = await this.db.transaction(async (em) => {
      const before = await this.pages.find(orgId, id, em);
      if (!before) return null;
      if (patch.monitorIds) await this.assertOwnMonitors(orgId, patch.monitorIds, em);
      const after = await this.pages.update(orgId, id, patch, em);
      if (!after) return null;
      await this.audit.record(em, [entry(actor, orgId, 'status_page.updated', id, before, after, AUDITED)]);
      return after;
    });
    if (!row) throw notFound(id);
    return this.view(row);
  }

  async delete(orgId: string, actor: Actor, id: string): Promise<void> {
    const deleted = await this.db.transaction(async (em) => {
      const gone = await this.pages.delete(orgId, id, em);
      if (gone) await this.audit.record(em, [entry(actor, orgId, 'status_page.deleted', id, null, null)]);
      return gone;
    });
    if (!deleted) throw notFound(id);
  }

  /** An unknown id and another org's get the same 400: the answer never tells whether an id exists. */
  private async assertOwnMonitors(orgId: string, ids: string[], em: EntityManager): Promise<void> {
    const own = await this.pages.ownMonitors(orgId, ids, em);
    const errors = ids.flatMap((id, i) =>
      own.has(id) ? [] : [{ field: `monitorIds[${i}]`, message: 'is not a monitor of this organization' }],
    );
    if (errors.length > 0) throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', errors);
  }

  private view(row: StatusPageRow): StatusPage {
    return toStatusPageResponse(row, this.publicBase);
  }
}

const notFound = (id: string) =>
  new AppError(ErrorCode.STATUS_PAGE_NOT_FOUND, `No status page ${id.slice(0, 100)} in this organization`);
