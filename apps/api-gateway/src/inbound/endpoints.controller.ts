import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Actor as AuditActor } from '@hourglass/domain';
import { ApiProblems } from '../docs/problem.js';
import { Actor, Auth, type AuthContext } from '../auth/auth.decorators.js';
import { PageQuery } from '../tasks/tasks-query.dto.js';
import { CreateEndpointDto, UpdateEndpointDto } from './endpoints.dto.js';
import { Endpoint, EndpointPage } from './endpoints.responses.js';
import { EndpointsService } from './endpoints.service.js';

@Controller('v1/endpoints')
export class EndpointsController {
  constructor(@Inject(EndpointsService) private readonly endpoints: EndpointsService) {}

  @Post()
  @ApiOperation({ summary: 'Create an inbound endpoint: it receives at url (/in/<slug>), verifies, dedupes, forwards' })
  @ApiCreatedResponse({ type: Endpoint })
  create(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Body() dto: CreateEndpointDto): Promise<Endpoint> {
    return this.endpoints.create(auth.orgId, actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List endpoints, newest first' })
  @ApiOkResponse({ type: EndpointPage })
  list(@Auth() auth: AuthContext, @Query() query: PageQuery): Promise<EndpointPage> {
    return this.endpoints.list(auth.orgId, query.limit, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One endpoint (secrets are counted, never shown)' })
  @ApiOkResponse({ type: Endpoint })
  @ApiProblems(404)
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<Endpoint> {
    return this.endpoints.get(auth.orgId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an endpoint; forward replaces the list (name a forward id to keep it)' })
  @ApiOkResponse({ type: Endpoint })
  @ApiProblems(404)
  update(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('id') id: string,
    @Body() dto: UpdateEndpointDto,
  ): Promise<Endpoint> {
    return this.endpoints.update(auth.orgId, actor, id, dto);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause: requests are stored and not forwarded, or refused with 503 (whilePaused)' })
  @ApiOkResponse({ type: Endpoint })
  @ApiProblems(404)
  pause(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<Endpoint> {
    return this.endpoints.pause(auth.orgId, actor, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume forwarding' })
  @ApiOkResponse({ type: Endpoint })
  @ApiProblems(404)
  resume(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<Endpoint> {
    return this.endpoints.resume(auth.orgId, actor, id);
  }

  @Post(':id/rotate-url')
  @HttpCode(200)
  @ApiOperation({ summary: 'A new slug: the old /in URL answers 404 from now on' })
  @ApiOkResponse({ type: Endpoint })
  @ApiProblems(404)
  rotateUrl(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<Endpoint> {
    return this.endpoints.rotateUrl(auth.orgId, actor, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an endpoint and its stored events (forward tasks already written stay)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404)
  delete(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<void> {
    return this.endpoints.delete(auth.orgId, actor, id);
  }
}
