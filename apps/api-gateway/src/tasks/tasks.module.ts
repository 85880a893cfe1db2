import { Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TaskActionRepository } from '@hourglass/db';
import { TasksController } from './tasks.controller.js';
import { TaskActionsController } from './task-actions.controller.js';
import { TasksService } from './tasks.service.js';
import { TaskEditsService } from './task-edits.service.js';
import { TasksBulkService } from './tasks-bulk.service.js';
import { TaskJobs } from './task-jobs.js';
import { TaskWriter } from './task-writer.js';

@Module({
  controllers: [TasksController, TaskActionsController],
  providers: [
    TasksService,
    TaskWriter,
    TaskJobs,
    TaskEditsService,
    TasksBulkService,
    {
      provide: TaskActionRepository,
      useFactory: (db: DataSource) => new TaskActionRepository(db),
      inject: [DataSource],
    },
  ],
  exports: [TasksService, TaskWriter],
})
export class TasksModule {}
