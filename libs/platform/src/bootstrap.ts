import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { DynamicModule } from '@nestjs/common';
import { AppLogger } from './logging/app-logger.js';

export interface HttpAppOptions {
  /** Largest request body Fastify accepts; larger ones are 413 PAYLOAD_TOO_LARGE. */
  bodyLimit?: number;
  logger?: boolean;
}

/** Builds the Fastify-backed Nest app the same way for production and for e2e tests. */
export async function createHttpApp(
  module: DynamicModule,
  options: HttpAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    logger: options.logger === false ? false : undefined,
  });
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  // No setErrorHandler here: at init() Nest installs its own Fastify error handler, which sends errors
  // raised before a route runs (bad JSON, body too large) through the global ProblemFilter anyway;
  // a second one only replaced ours and printed FSTWRN004.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      void reply.header('x-request-id', String(request.id));
    });
  app.enableShutdownHooks();
  return app;
}

/** main.ts of every service: build, listen, log where. */
export async function runService(
  module: DynamicModule,
  port: number,
  options: HttpAppOptions = {},
): Promise<NestFastifyApplication> {
  const app = await createHttpApp(module, options);
  await app.listen(port, '0.0.0.0');
  app.get(AppLogger).log({ port, msg: `listening on :${port}` }, 'Bootstrap');
  return app;
}
