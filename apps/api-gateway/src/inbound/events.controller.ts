import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.js';
import { Auth, type AuthContext } from '../auth/auth.decorators.js';
import { TaskBatch } from '../tasks/tasks.responses.js';
import type { TaskResponse } from '../tasks/tasks.dto.js';
import { BulkReplayEventsDto, InboundEvent, InboundEventPage, ListEventsQuery, ReplayEventDto } from './events.dto.js';
import { BulkActionResult } from '../tasks/tasks.responses.js';
import type { BulkActionResponse } from '../tasks/tasks-edit.dto.js';
import { EventsService } from './events.service.js';

@Controller('v1')
export class EventsController {
  constructor(@Inject(EventsService) private readonly events: EventsService) {}

  @Get('endpoints/:id/events')
  @ApiOperation({ summary: 'An endpoint’s received requests, newest first, with their forwards' })
  @ApiOkResponse({ type: InboundEventPage })
  @ApiProblems(404)
  list(@Auth() auth: AuthContext, @Param('id') id: string, @Query() query: ListEventsQuery): Promise<InboundEventPage> {
    return this.events.list(auth.orgId, id, query);
  }

  @Post('endpoints/:id/events/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replay the endpoint’s verified events matching a filter, in batches; dryRun only counts' })
  @ApiOkResponse({ type: BulkActionResult })
  @ApiProblems(404)
  replayMatching(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Body() dto: BulkReplayEventsDto,
  ): Promise<BulkActionResponse> {
    return this.events.replayMatching(auth.orgId, id, dto);
  }

  @Get('events/:id')
  @ApiOperation({ summary: 'One received request as stored, with its forwards and their task status' })
  @ApiOkResponse({ type: InboundEvent })
  @ApiProblems(404)
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<InboundEvent> {
    return this.events.get(auth.orgId, id);
  }

  @Post('events/:id/replay')
  @ApiOperation({ summary: 'Forward the stored request again, as new tasks (to named forwards, or all that match)' })
  @ApiCreatedResponse({ type: TaskBatch })
  @ApiProblems(404, 409)
  replay(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Body() dto: ReplayEventDto,
  ): Promise<{ data: TaskResponse[] }> {
    return this.events.replay(auth.orgId, id, dto.forwardIds);
  }
}
