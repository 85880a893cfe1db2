import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module.js';
import { SchedulesController } from './schedules.controller.js';
import { SchedulesService } from './schedules.service.js';

@Module({ imports: [TasksModule], controllers: [SchedulesController], providers: [SchedulesService] })
export class SchedulesModule {}
