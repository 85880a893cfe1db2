import { Module } from '@nestjs/common';
import { TasksModule } from '../tasks/tasks.module.js';
import { EndpointCache } from './endpoint-cache.js';
import { EndpointRateLimiter } from './endpoint-rate-limiter.js';
import { EndpointsController } from './endpoints.controller.js';
import { EndpointsService } from './endpoints.service.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';
import { IngestController } from './ingest.controller.js';
import { IngestService } from './ingest.service.js';
import { IngestWriter } from './ingest-writer.js';

@Module({
  imports: [TasksModule],
  controllers: [EndpointsController, EventsController, IngestController],
  providers: [EndpointsService, EventsService, IngestService, IngestWriter, EndpointRateLimiter, EndpointCache],
})
export class InboundModule {}
