import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Actor as AuditActor } from '@hourglass/domain';
import { ApiProblems } from '../docs/problem.js';
import { Actor, Auth, type AuthContext } from '../auth/auth.decorators.js';
import { RateLimited } from '../rate-limits/shared-budgets.js';
import { PageQuery } from '../tasks/tasks-query.dto.js';
import { CreateChannelDto, ListNotificationsQuery, UpdateChannelDto } from './notifications.dto.js';
import {
  Notification,
  NotificationChannel,
  NotificationChannelPage,
  NotificationPage,
} from './notifications.responses.js';
import { NotificationsService } from './notifications.service.js';

@Controller('v1/notification-channels')
export class NotificationChannelsController {
  constructor(@Inject(NotificationsService) private readonly service: NotificationsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a notification channel: webhook, Slack, Discord or email' })
  @ApiCreatedResponse({ type: NotificationChannel })
  @ApiProblems(429)
  create(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Body() dto: CreateChannelDto,
  ): Promise<NotificationChannel> {
    return this.service.create(auth.orgId, actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List notification channels, newest first' })
  @ApiOkResponse({ type: NotificationChannelPage })
  list(@Auth() auth: AuthContext, @Query() query: PageQuery): Promise<NotificationChannelPage> {
    return this.service.list(auth.orgId, query.limit, query.cursor);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One notification channel' })
  @ApiOkResponse({ type: NotificationChannel })
  @ApiProblems(404)
  get(@Auth() auth: AuthContext, @Param('id') id: string): Promise<NotificationChannel> {
    return this.service.get(auth.orgId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a channel (its type stays); enabled: true re-enables a disabled one' })
  @ApiOkResponse({ type: NotificationChannel })
  @ApiProblems(404)
  update(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('id') id: string,
    @Body() dto: UpdateChannelDto,
  ): Promise<NotificationChannel> {
    return this.service.update(auth.orgId, actor, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a channel and its notifications (tasks already written stay)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblems(404)
  delete(@Auth() auth: AuthContext, @Actor() actor: AuditActor, @Param('id') id: string): Promise<void> {
    return this.service.delete(auth.orgId, actor, id);
  }

  @Post(':id/test')
  @ApiOperation({ summary: 'Send a test message through the outbox; answers the notification' })
  @ApiCreatedResponse({ type: Notification })
  @ApiProblems(404, 429)
  async test(
    @Auth() auth: AuthContext,
    @Actor() actor: AuditActor,
    @Param('id') id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Notification> {
    try {
      return await this.service.test(auth.orgId, actor, id);
    } catch (error) {
      if (error instanceof RateLimited) void reply.header('retry-after', String(error.retryAfterSeconds));
      throw error;
    }
  }
}

@Controller('v1/notifications')
export class NotificationsController {
  constructor(@Inject(NotificationsService) private readonly service: NotificationsService) {}

  @Get()
  @ApiOperation({ summary: 'What was sent (or is held, retrying, failed), newest first' })
  @ApiOkResponse({ type: NotificationPage })
  list(@Auth() auth: AuthContext, @Query() query: ListNotificationsQuery): Promise<NotificationPage> {
    return this.service.listNotifications(auth.orgId, query);
  }
}
