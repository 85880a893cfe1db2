import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { Page } from '@hourglass/db';
import { Auth, type AuthContext } from '../auth/auth.decorators.js';
import { PageQuery } from '../tasks/tasks-query.dto.js';
import type { TaskResponse } from '../tasks/tasks.dto.js';
import { traceparentFor } from '../tasks/traceparent.js';
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
  create(@Auth() auth: AuthContext, @Body() dto: CreateScheduleDto): Promise<ScheduleResponse> {
    return this.schedules.create(auth.orgId, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List schedules, newest first' })
  list(@Auth() auth: AuthContext, @Query() query: PageQuery): Promise<Page<ScheduleResponse>> {
    return this.schedules.list(auth.orgId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One schedule' })
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ScheduleResponse> {
    return this.schedules.get(auth.orgId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a schedule (If-Match: "<version>" → 409 CONFLICT when it has changed since)' })
  update(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Body() dto: UpdateScheduleDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<ScheduleResponse> {
    return this.schedules.update(auth.orgId, id, dto, versionFromIfMatch(ifMatch));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a schedule with its history and occurrence log (its tasks stay)' })
  delete(@Auth() auth: AuthContext, @Param('id') id: string): Promise<void> {
    return this.schedules.delete(auth.orgId, id);
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause: no occurrences fire until resumed' })
  pause(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ScheduleResponse> {
    return this.schedules.pause(auth.orgId, id);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume from now: occurrences that fell in the pause are not run' })
  resume(@Auth() auth: AuthContext, @Param('id') id: string): Promise<ScheduleResponse> {
    return this.schedules.resume(auth.orgId, id);
  }

  @Post(':id/trigger')
  @ApiOperation({ summary: "Run now: creates a task from the schedule's template" })
  trigger(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Headers('traceparent') traceparent?: string,
  ): Promise<TaskResponse> {
    return this.schedules.trigger(auth.orgId, id, traceparentFor(traceparent));
  }

  @Get(':id/next')
  @ApiOperation({ summary: 'The next fire times from now (count 1-100, default 10)' })
  next(@Auth() auth: AuthContext, @Param('id') id: string, @Query() query: NextQuery): Promise<{ data: string[] }> {
    return this.schedules.next(auth.orgId, id, query.count ?? 10);
  }

  @Get(':id/history')
  @ApiOperation({ summary: "The schedule's versions (created, updated, paused, resumed), newest first" })
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
  occurrences(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Query() query: PageQuery,
  ): Promise<Page<OccurrenceResponse>> {
    return this.schedules.occurrences(auth.orgId, id, query);
  }
}
