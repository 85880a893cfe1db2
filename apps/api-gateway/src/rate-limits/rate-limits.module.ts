import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { RateLimitRepository } from '@hourglass/db';
import { ApiRateLimiter } from './api-rate-limiter.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/** Import after AuthModule: global guards run in the order their modules register them. */
@Module({
  providers: [
    { provide: RateLimitRepository, useFactory: (db: DataSource) => new RateLimitRepository(db), inject: [DataSource] },
    ApiRateLimiter,
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
})
export class RateLimitsModule {}
