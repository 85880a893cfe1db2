import { Module } from '@nestjs/common';
import { NotificationChannelsController, NotificationsController } from './notifications.controller.js';
import { NotificationsService } from './notifications.service.js';

@Module({
  controllers: [NotificationChannelsController, NotificationsController],
  providers: [NotificationsService],
})
export class NotificationsModule {}
