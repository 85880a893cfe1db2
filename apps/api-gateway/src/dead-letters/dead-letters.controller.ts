import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { TaskPage } from '../tasks/tasks.responses.js';
import type { Page } from '@hourglass/db';
import { TaskStatus } from '@hourglass/domain';
import { Auth, type AuthContext } from '../auth/auth.decorators.js';
import type { TaskResponse } from '../tasks/tasks.dto.js';
import { DeadLettersQuery } from '../tasks/tasks-query.dto.js';
import { TasksService } from '../tasks/tasks.service.js';

@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(@Inject(TasksService) private readonly tasks: TasksService) {}

  @Get()
  @ApiOperation({ summary: 'Failed tasks, newest first, with their last attempt (label, createdAfter/Before, cursor)' })
  @ApiOkResponse({ type: TaskPage })
  list(@Auth() auth: AuthContext, @Query() query: DeadLettersQuery): Promise<Page<TaskResponse>> {
    return this.tasks.list(auth.orgId, { ...query, status: TaskStatus.Failed });
  }
}
