import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.js';
import { IF_MATCH, TRACEPARENT } from '../docs/openapi.js';
import { Task } from '../tasks/tasks.responses.js';
import { NextRuns, OccurrencePage, Schedule, SchedulePage, ScheduleVersionPage } from './schedules.responses.js';
import type { Page } from '@hourglass/db';
import { Actor, Auth, type AuthContext } from '../auth/auth.decorators.js';
import type { Actor as AuditActor } from '@hourglass/domain';
import { PageQuery } from '../tasks/tasks-query.dto.js';
import type { TaskResponse } from '../tasks/tasks.dto.js';
import { traceparentFor } from '../tasks/traceparent.js';
import { RequestTraceparent } from '@hourglass/platform';
import {
  CreateScheduleDto,
  NextQuery,
  type OccurrenceResponse,
  type ScheduleResponse,
  type ScheduleVersionResponse,
  UpdateScheduleDto,
  versionFromIfMatch,
} from './schedules.dto.js';
import { SchedulesService } from './schedules.service.js';

@Controller('v1/schedules')
export class SchedulesController {
  constructor(@Inject(SchedulesService) private readonly schedules: SchedulesService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a schedule: a cron expression (in a timezone) or an interval, and the task it creates',
  })
  @ApiCreatedResponse({ type: Schedule })
  @ApiProblems(429)
  create(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Body() dto: CreateScheduleDto,
  ): Promise<ScheduleResponse> {
    return this.schedules.create(auth.orgId, actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List schedules, newest first' })
  @ApiOkResponse({ type: SchedulePage })
  list(@Auth() auth: AuthContext, @Query() query: PageQuery): Promise<Page<ScheduleResponse>> {
    return this.schedules.list(auth.orgId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One schedule' })
  @ApiOkResponse({ type: Schedule })
  @ApiProblems(404)
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ScheduleResponse> {
    return this.schedules.get(auth.orgId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a schedule (If-Match: "<version>" → 409 CONFLICT when it has changed since)' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: Schedule })
  @ApiProblems(404, 409)
  update(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('id') id: string,
    @Body() dto: UpdateScheduleDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ScheduleResponse> {
    return this.schedules.update(auth.orgId, actor, id, dto, versionFromIfMatch(ifMatch));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a schedule with its history and occurrence log (its tasks stay)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404)
  delete(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<void> {
    return this.schedules.delete(auth.orgId, actor, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause: no occurrences fire until resumed' })
  @ApiOkResponse({ type: Schedule })
  @ApiProblems(404)
  pause(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<ScheduleResponse> {
    return this.schedules.pause(auth.orgId, actor, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume from now: occurrences that fell in the pause are not run' })
  @ApiOkResponse({ type: Schedule })
  @ApiProblems(404)
  resume(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<ScheduleResponse> {
    return this.schedules.resume(auth.orgId, actor, id);
  }

  @Post(':id/trigger')
  @ApiOperation({ summary: "Run now: creates a task from the schedule's template" })
  @ApiHeader(TRACEPARENT)
  @ApiCreatedResponse({ type: Task })
  @ApiProblems(404, 429)
  trigger(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('id') id: string,
    @RequestTraceparent() traceparent?: string,
  ): Promise<TaskResponse> {
    return this.schedules.trigger(auth.orgId, actor, id, traceparentFor(traceparent));
  }

  @Get(':id/next')
  @ApiOperation({ summary: 'The next fire times from now (count 1-100, default 10)' })
  @ApiOkResponse({ type: NextRuns })
  @ApiProblems(404)
  next(@Auth() auth: AuthContext, @Param('id') id: string, @Query() query: NextQuery): Promise<{ data: string[] }> {
    return this.schedules.next(auth.orgId, id, query.count ?? 10);
  }

  @Get(':id/history')
  @ApiOperation({ summary: "The schedule's versions (created, updated, paused, resumed), newest first" })
  @ApiOkResponse({ type: ScheduleVersionPage })
  @ApiProblems(404)
  history(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Query() query: PageQuery,
  ): Promise<Page<ScheduleVersionResponse>> {
    return this.schedules.history(auth.orgId, id, query);
  }

  @Get(':id/occurrences')
  @ApiOperation({
    summary: 'What each occurrence did: fired (with its task) or skipped (with the reason), newest first',
  })
  @ApiOkResponse({ type: OccurrencePage })
  @ApiProblems(404)
  occurrences(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Query() query: PageQuery,
  ): Promise<Page<OccurrenceResponse>> {
    return this.schedules.occurrences(auth.orgId, id, query);
  }
}
