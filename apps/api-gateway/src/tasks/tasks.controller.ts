import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.js';
import { TRACEPARENT } from '../docs/openapi.js';
import { AttemptPage, Task, TaskBatch, TaskPage } from './tasks.responses.js';
import type { Page } from '@hourglass/db';
import { Actor, Auth, type AuthContext } from '../auth/auth.decorators.js';
import type { Actor as AuditActor } from '@hourglass/domain';
import { type AttemptResponse, CreateTaskDto, type TaskResponse } from './tasks.dto.js';
import { CreateTaskBatchDto, type TaskBatchResponse } from './tasks-edit.dto.js';
import { ListTasksQuery, PageQuery } from './tasks-query.dto.js';
import { TasksService } from './tasks.service.js';
import { traceparentFor } from './traceparent.js';
import { noteTaskId, RequestTraceparent } from '@hourglass/platform';

@Controller('v1/tasks')
export class TasksController {
  constructor(@Inject(TasksService) private readonly tasks: TasksService) {}

  @Post()
  @ApiOperation({ summary: 'Create a task: run now, after `delay`, or at `runAt`' })
  @ApiHeader(TRACEPARENT)
  @ApiCreatedResponse({ type: Task })
  @ApiProblems(429)
  create(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Body() dto: CreateTaskDto,
    @Req() request: FastifyRequest,
    @RequestTraceparent() traceparent?: string,
  ): Promise<TaskResponse> {
    return this.tasks.create(auth.orgId, actor, dto, traceparentFor(traceparent)).then((task) => {
      noteTaskId(request, task.id);
      return task;
    });
  }

  @Post('batch')
  @ApiOperation({
    summary: 'Create up to 1,000 tasks, all or nothing (400 names the failing item, e.g. tasks[3].request.url)',
  })
  @ApiHeader(TRACEPARENT)
  @ApiCreatedResponse({ type: TaskBatch })
  @ApiProblems(429)
  createBatch(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Body() dto: CreateTaskBatchDto,
    @RequestTraceparent() traceparent?: string,
  ): Promise<TaskBatchResponse> {
    return this.tasks.createBatch(auth.orgId, actor, dto, traceparentFor(traceparent));
  }

  @Post(':id/clone')
  @ApiOperation({ summary: 'A new task with the same request and settings, due now' })
  @ApiHeader(TRACEPARENT)
  @ApiCreatedResponse({ type: Task })
  @ApiProblems(404, 429)
  clone(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('id') id: string,
    @RequestTraceparent() traceparent?: string,
  ): Promise<TaskResponse> {
    return this.tasks.clone(auth.orgId, actor, id, traceparentFor(traceparent));
  }

  @Get()
  @ApiOperation({ summary: 'List tasks, newest first (status, label=key:value, queue, createdAfter/Before)' })
  @ApiOkResponse({ type: TaskPage })
  list(@Auth() auth: AuthContext, @Query() query: ListTasksQuery): Promise<Page<TaskResponse>> {
    return this.tasks.list(auth.orgId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One task with its latest attempt' })
  @ApiOkResponse({ type: Task })
  @ApiProblems(404)
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<TaskResponse> {
    return this.tasks.get(auth.orgId, id);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a task (409 TASK_ALREADY_FINISHED when it has finished)' })
  @ApiOkResponse({ type: Task })
  @ApiProblems(404)
  cancel(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<TaskResponse> {
    return this.tasks.cancel(auth.orgId, actor, id);
  }

  @Get(':id/attempts')
  @ApiOperation({ summary: "A task's attempts, newest first" })
  @ApiOkResponse({ type: AttemptPage })
  @ApiProblems(404)
  attempts(
    @Auth() auth: AuthContext,
    @Param('id') id: string,
    @Query() query: PageQuery,
  ): Promise<Page<AttemptResponse>> {
    return this.tasks.listAttempts(auth.orgId, id, query);
  }
}
