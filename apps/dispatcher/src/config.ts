import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { CommonEnv, toCommonConfig } from '@hourglass/platform';

export class DispatcherEnv extends CommonEnv {
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT?: number;

  /** Most deliveries in flight in this process. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  DISPATCHER_CONCURRENCY?: number;

  /** Largest pg-boss fetch. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000)
  DISPATCHER_BATCH_SIZE?: number;

  /** Idle poll when no NOTIFY arrives (delayed tasks and retries become due without one). */
  @IsOptional()
  @IsInt()
  @Min(50)
  @Max(60_000)
  DISPATCHER_POLL_MS?: number;

  /** Deliveries one org may hold in this process while others have due jobs (default: a quarter of the pool). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  DISPATCHER_ORG_CONCURRENCY?: number;

  /** How often named queues are checked for tasks to admit, besides NOTIFY wake-ups. */
  @IsOptional()
  @IsInt()
  @Min(20)
  @Max(60_000)
  DISPATCHER_QUEUE_POLL_MS?: number;

  /** Consecutive failures (5xx, 429, timeouts) that pause a destination origin. */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000)
  DISPATCHER_CIRCUIT_THRESHOLD?: number;

  /** Where email notifications are sent: `smtp://user:pass@host:587` or `smtps://…`. */
  @IsOptional()
  @IsString()
  @MaxLength(2_000)
  HOURGLASS_SMTP_URL?: string;

  /** The From of email notifications. */
  @IsOptional()
  @IsString()
  @MaxLength(320)
  HOURGLASS_SMTP_FROM?: string;
}

export function toDispatcherConfig(env: DispatcherEnv) {
  return {
    ...toCommonConfig(env, 10),
    http: { port: env.PORT ?? 8082 },
    circuit: { failureThreshold: env.DISPATCHER_CIRCUIT_THRESHOLD ?? 10, baseOpenMs: 5_000, maxOpenMs: 300_000 },
    // Empty (compose passes an unset variable as ""): no SMTP server, the default From.
    smtp: {
      url: env.HOURGLASS_SMTP_URL || null,
      from: env.HOURGLASS_SMTP_FROM || 'Hourglass <notifications@localhost>',
    },
    queues: { pollMs: env.DISPATCHER_QUEUE_POLL_MS ?? 200 },
    delivery: {
      concurrency: env.DISPATCHER_CONCURRENCY ?? 200,
      batchSize: env.DISPATCHER_BATCH_SIZE ?? 100,
      pollMs: env.DISPATCHER_POLL_MS ?? 500,
      orgConcurrency: env.DISPATCHER_ORG_CONCURRENCY ?? Math.ceil((env.DISPATCHER_CONCURRENCY ?? 200) / 4),
    },
  };
}
export type DispatcherConfig = ReturnType<typeof toDispatcherConfig>;
