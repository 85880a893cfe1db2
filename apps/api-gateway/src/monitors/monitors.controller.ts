import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Actor as AuditActor } from '@hourglass/domain';
import { ApiProblems } from '../docs/problem.js';
import { Actor, Auth, type AuthContext } from '../auth/auth.decorators.js';
import { PageQuery } from '../tasks/tasks-query.dto.js';
import { CreateMonitorDto, UpdateMonitorDto } from './monitors.dto.js';
import { Monitor, MonitorCheckPage, MonitorIncidentPage, MonitorPage, MonitorPingPage } from './monitors.responses.js';
import { MonitorsService } from './monitors.service.js';

@Controller('v1/monitors')
export class MonitorsController {
  constructor(@Inject(MonitorsService) private readonly monitors: MonitorsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a monitor: a heartbeat (pinged by a job) or an HTTP uptime check' })
  @ApiCreatedResponse({ type: Monitor })
  @ApiProblems(429)
  create(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Body() dto: CreateMonitorDto): Promise<Monitor> {
    return this.monitors.create(auth.orgId, actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List monitors, newest first' })
  @ApiOkResponse({ type: MonitorPage })
  list(@Auth() auth: AuthContext, @Query() query: PageQuery): Promise<MonitorPage> {
    return this.monitors.list(auth.orgId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One monitor, with its status and next deadline' })
  @ApiOkResponse({ type: Monitor })
  @ApiProblems(404)
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<Monitor> {
    return this.monitors.get(auth.orgId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a monitor (its type stays); the deadline is re-planned from the last ping' })
  @ApiOkResponse({ type: Monitor })
  @ApiProblems(404)
  update(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('id') id: string,
    @Body() dto: UpdateMonitorDto,
  ): Promise<Monitor> {
    return this.monitors.update(auth.orgId, actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a monitor with its pings, checks and incidents' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404)
  delete(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<void> {
    return this.monitors.delete(auth.orgId, actor, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause: no deadlines, checks or alerts until resumed (pings are still recorded)' })
  @ApiOkResponse({ type: Monitor })
  @ApiProblems(404)
  pause(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<Monitor> {
    return this.monitors.pause(auth.orgId, actor, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume as new: a heartbeat waits for its next ping, an HTTP monitor is checked at once' })
  @ApiOkResponse({ type: Monitor })
  @ApiProblems(404)
  resume(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<Monitor> {
    return this.monitors.resume(auth.orgId, actor, id);
  }

  @Get(':id/pings')
  @ApiOperation({ summary: "A heartbeat's pings, newest first" })
  @ApiOkResponse({ type: MonitorPingPage })
  @ApiProblems(404)
  pings(@Auth() auth: AuthContext, @Param('id') id: string, @Query() query: PageQuery): Promise<MonitorPingPage> {
    return this.monitors.pings(auth.orgId, id, query);
  }

  @Get(':id/checks')
  @ApiOperation({ summary: "An HTTP monitor's checks, newest first" })
  @ApiOkResponse({ type: MonitorCheckPage })
  @ApiProblems(404)
  checks(@Auth() auth: AuthContext, @Param('id') id: string, @Query() query: PageQuery): Promise<MonitorCheckPage> {
    return this.monitors.checks(auth.orgId, id, query);
  }

  @Get(':id/incidents')
  @ApiOperation({ summary: 'Down periods (startedAt, resolvedAt, cause, durationMs), newest first' })
  @ApiOkResponse({ type: MonitorIncidentPage })
  @ApiProblems(404)
  incidents(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Query() query: PageQuery,
  ): Promise<MonitorIncidentPage> {
    return this.monitors.incidents(auth.orgId, id, query);
  }
}
