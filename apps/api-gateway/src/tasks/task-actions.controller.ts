import { Body, Controller, Headers, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.js';
import { IF_MATCH } from '../docs/openapi.js';
import { BulkActionResult, Task } from './tasks.responses.js';
import { Actor, Auth, type AuthContext } from '../auth/auth.decorators.js';
import type { Actor as AuditActor } from '@hourglass/domain';
import type { TaskResponse } from './tasks.dto.js';
import { BulkActionDto, type BulkActionResponse, UpdateTaskDto } from './tasks-edit.dto.js';
import { TaskEditsService } from './task-edits.service.js';
import { TasksBulkService } from './tasks-bulk.service.js';

@Controller('v1/tasks')
export class TaskActionsController {
  constructor(
    @Inject(TaskEditsService) private readonly edits: TaskEditsService,
    @Inject(TasksBulkService) private readonly bulk: TasksBulkService,
  ) {}

  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel scheduled/queued/retrying tasks matching a filter, in batches; dryRun only counts' })
  @ApiOkResponse({ type: BulkActionResult })
  cancelMany(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Body() dto: BulkActionDto,
  ): Promise<BulkActionResponse> {
    return this.bulk.cancel(auth.orgId, actor, dto);
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Replay failed tasks matching a filter, in batches; dryRun only counts' })
  @ApiOkResponse({ type: BulkActionResult })
  replayMany(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Body() dto: BulkActionDto,
  ): Promise<BulkActionResponse> {
    return this.bulk.replay(auth.orgId, actor, dto);
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Edit a task not yet running (If-Match: "version" optional; 409 on a race or once started)',
  })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: Task })
  @ApiProblems(404, 409)
  edit(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('id') id: string,
    @Body() dto: UpdateTaskDto,
    @Headers('if-match') ifMatch?: string,
  ): Promise<TaskResponse> {
    return this.edits.edit(auth.orgId, actor, id, dto, ifMatch);
  }

  @Post(':id/run')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run a scheduled, queued or retrying task now' })
  @ApiOkResponse({ type: Task })
  @ApiProblems(404)
  runNow(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<TaskResponse> {
    return this.edits.runNow(auth.orgId, actor, id);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give a failed task a fresh run: new retry budget, attempt numbers continue' })
  @ApiOkResponse({ type: Task })
  @ApiProblems(404)
  replay(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<TaskResponse> {
    return this.edits.replay(auth.orgId, actor, id);
  }
}
