import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiProblems } from '../docs/problem.js';
import { Queue, QueueList } from './queues.responses.js';
import { Actor, Auth, type AuthContext } from '../auth/auth.decorators.js';
import type { Actor as AuditActor } from '@hourglass/domain';
import { CreateQueueDto, type QueueResponse, UpdateQueueDto } from './queues.dto.js';
import { QueuesService } from './queues.service.js';

@Controller('v1/queues')
export class QueuesController {
  constructor(@Inject(QueuesService) private readonly queues: QueuesService) {}

  @Post()
  @ApiOperation({ summary: 'Create a named queue: parallelism (1 = strict FIFO) and an optional rate limit' })
  @ApiCreatedResponse({ type: Queue })
  create(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Body() dto: CreateQueueDto): Promise<QueueResponse> {
    return this.queues.create(auth.orgId, actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List queues by name' })
  @ApiOkResponse({ type: QueueList })
  list(@Auth() auth: AuthContext): Promise<{ data: QueueResponse[] }> {
    return this.queues.list(auth.orgId);
  }

  @Get(':name')
  @ApiOperation({
    summary: 'One queue with its stats: queued, running, retrying, succeeded and failed in the last hour',
  })
  @ApiOkResponse({ type: Queue })
  @ApiProblems(404)
  get(@Auth() auth: AuthContext, @Param('name') name: string): Promise<QueueResponse> {
    return this.queues.get(auth.orgId, name);
  }

  @Patch(':name')
  @ApiOperation({ summary: 'Change parallelism or the rate limit (rateLimit: null removes it)' })
  @ApiOkResponse({ type: Queue })
  @ApiProblems(404)
  update(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('name') name: string,
    @Body() dto: UpdateQueueDto,
  ): Promise<QueueResponse> {
    return this.queues.update(auth.orgId, actor, name, dto);
  }

  @Post(':name/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause: no task of the queue starts until resumed' })
  @ApiOkResponse({ type: Queue })
  @ApiProblems(404)
  pause(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('name') name: string): Promise<QueueResponse> {
    return this.queues.pause(auth.orgId, actor, name);
  }

  @Post(':name/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume starting tasks' })
  @ApiOkResponse({ type: Queue })
  @ApiProblems(404)
  resume(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('name') name: string): Promise<QueueResponse> {
    return this.queues.resume(auth.orgId, actor, name);
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an empty queue (409 QUEUE_NOT_EMPTY while it has unfinished tasks)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404, 409)
  delete(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('name') name: string): Promise<void> {
    return this.queues.delete(auth.orgId, actor, name);
  }
}
