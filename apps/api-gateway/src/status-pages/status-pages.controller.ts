import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Actor as AuditActor } from '@hourglass/domain';
import { ApiProblems } from '../docs/problem.js';
import { Actor, Auth, type AuthContext } from '../auth/auth.decorators.js';
import { PageQuery } from '../tasks/tasks-query.dto.js';
import { CreateStatusPageDto, UpdateStatusPageDto } from './status-pages.dto.js';
import { StatusPage, StatusPagePage } from './status-pages.responses.js';
import { StatusPagesService } from './status-pages.service.js';

@Controller('v1/status-pages')
export class StatusPagesController {
  constructor(@Inject(StatusPagesService) private readonly pages: StatusPagesService) {}

  @Post()
  @ApiOperation({ summary: 'Create a public status page at /status/<slug> showing some of the org’s monitors' })
  @ApiCreatedResponse({ type: StatusPage })
  @ApiProblems(409)
  create(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Body() dto: CreateStatusPageDto): Promise<StatusPage> {
    return this.pages.create(auth.orgId, actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List status pages, newest first' })
  @ApiOkResponse({ type: StatusPagePage })
  list(@Auth() auth: AuthContext, @Query() query: PageQuery): Promise<StatusPagePage> {
    return this.pages.list(auth.orgId, query.limit, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One status page' })
  @ApiOkResponse({ type: StatusPage })
  @ApiProblems(404)
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<StatusPage> {
    return this.pages.get(auth.orgId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a status page; monitorIds replaces the list' })
  @ApiOkResponse({ type: StatusPage })
  @ApiProblems(404, 409)
  update(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('id') id: string,
    @Body() dto: UpdateStatusPageDto,
  ): Promise<StatusPage> {
    return this.pages.update(auth.orgId, actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a status page: /status/<slug> answers 404 from now on' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404)
  delete(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<void> {
    return this.pages.delete(auth.orgId, actor, id);
  }
}
