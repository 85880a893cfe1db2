import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CredentialMaskingInterceptor } from '../credential-masking/credential-masking.interceptor.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';

/**
 * Applies Idempotency-Key handling to every POST route (runs after the auth guard, so keys are per org).
 * Order matters: global interceptors nest in the order provided, so credential masking wraps the idempotency
 * layer and masks fresh and replayed replies alike, while the stored reply keeps every value.
 */
@Module({
  providers: [
    { provide: APP_INTERCEPTOR, useClass: CredentialMaskingInterceptor },
    { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
  ],
})
export class IdempotencyModule {}
