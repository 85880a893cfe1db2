import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module.js';
import { DeadLettersController } from './dead-letters.controller.js';

@Module({ imports: [TasksModule], controllers: [DeadLettersController] })
export class DeadLettersModule {}
