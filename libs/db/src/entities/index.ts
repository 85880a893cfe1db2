import { ApiKeyEntity } from './api-key.entity.js';
import { AttemptEntity } from './attempt.entity.js';
import { OrganizationEntity } from './organization.entity.js';
import { TaskEntity } from './task.entity.js';
import { ScheduleEntity, ScheduleOccurrenceEntity, ScheduleVersionEntity } from './schedule.entity.js';

export * from './api-key.entity.js';
export * from './attempt.entity.js';
export * from './organization.entity.js';
export * from './task.entity.js';
export * from './schedule.entity.js';

export const ENTITIES = [
  OrganizationEntity,
  ApiKeyEntity,
  TaskEntity,
  AttemptEntity,
  ScheduleEntity,
  ScheduleVersionEntity,
  ScheduleOccurrenceEntity,
];
