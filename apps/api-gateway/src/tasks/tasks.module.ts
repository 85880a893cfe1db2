import { Module } from '@nestjs/common';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';
import { TaskWriter } from './task-writer.js';

@Module({ controllers: [TasksController], providers: [TasksService, TaskWriter], exports: [TasksService, TaskWriter] })
export class TasksModule {}
