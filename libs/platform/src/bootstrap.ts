import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { DynamicModule } from '@nestjs/common';
import { RequestLimits } from '@hourglass/domain';
import { AppLogger } from './logging/app-logger.js';
import { assertMethodAllowed, clientErrorHandler, frameworkErrorHandler, RouteTable } from './http/http-errors.js';
import { assertAcceptableInput } from './http/input-guard.js';
import { addServerSpans } from './tracing/server-spans.js';
import { startTracing } from './tracing/tracing-sdk.js';
import { registerRawBodyParsers } from './http/raw-body.js';
import { refuseWhileClosing } from './http/shutting-down.js';
import { addRequestLog } from './logging/request-log.js';

export interface HttpAppOptions {
  /** Largest request body Fastify accepts; larger ones are 413 PAYLOAD_TOO_LARGE. */
  bodyLimit?: number;
  logger?: boolean;
  /** `service.name` of its spans unless OTEL_SERVICE_NAME says otherwise (runService). */
  serviceName?: string;
}

/** Builds the Fastify-backed Nest app the same way for production and for e2e tests. */
export async function createHttpApp(
  module: DynamicModule,
  options: HttpAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimit ?? RequestLimits.maxBodyBytes,
    routerOptions: { maxParamLength: RequestLimits.maxParamLength },
    requestTimeout: RequestLimits.maxRequestMs,
    // Kept as own keys for the input guard (preValidation, before anything reads the body) to refuse by
    // name; Fastify's own refusal said only "Body is not valid JSON".
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
    // Answered by the shutdown hook below instead: problem+json SHUTTING_DOWN, not Fastify's own JSON.
    return503OnClosing: false,
    // Errors raised before a request exists, or before a route matched, answer problem+json too.
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
  });
  // Only JSON bodies: Fastify's own parser (body limit; prototype keys: see above); its text/plain parser
  // is removed, so any other media type is 415 UNSUPPORTED_MEDIA_TYPE, not a 400 on a string body.
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    bodyParser: false,
    logger: options.logger === false ? false : undefined,
  });
  const logger = app.get(AppLogger);
  app.useLogger(logger);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeContentTypeParser('text/plain');
  registerRawBodyParsers(fastify);
  const routes = new RouteTable();
  // Before the span hooks: its onResponse reads the SERVER span they end.
  addRequestLog(fastify, logger);
  addServerSpans(fastify);
  refuseWhileClosing(fastify);
  // No setErrorHandler here: at init() Nest installs its own Fastify error handler, which sends errors
  // raised before a route runs (bad JSON, body too large, these hooks) through the global ProblemFilter
  // anyway; a second one only replaced ours and printed FSTWRN004.
  fastify
    .addHook('onRoute', (route) => routes.add(route.method, route.url))
    // Callback-style hooks (a throw is handled as a rejection would be): no promise per hook per request.
    .addHook('onRequest', (request, reply, done) => {
      assertMethodAllowed(routes, request, reply);
      done();
    })
    // Before anything walks the input recursively (class-transformer, the idempotency hash).
    .addHook('preValidation', (request, _reply, done) => {
      // A raw body (inbound webhooks) is bytes, stored as received: nothing in it is a field.
      if (!Buffer.isBuffer(request.body)) assertAcceptableInput(request.body, 'body');
      assertAcceptableInput(request.query, 'query');
      assertAcceptableInput(request.params, 'params');
      done();
    })
    .addHook('onSend', (request, reply, payload, done) => {
      void reply.header('x-request-id', String(request.id));
      done(null, payload);
    });
  // After the graceful close, exit 0 rather than re-raise the signal: a supervisor sees a clean exit.
  app.enableShutdownHooks([], { useProcessExit: true });
  return app;
}

/** main.ts of every service: build, listen, log where. */
export async function runService(
  module: DynamicModule,
  port: number,
  options: HttpAppOptions = {},
): Promise<NestFastifyApplication> {
  if (options.serviceName) await startTracing(options.serviceName);
  const app = await createHttpApp(module, options);
  await app.listen(port, '0.0.0.0');
  app.get(AppLogger).log({ port, msg: `listening on :${port}` }, 'Bootstrap');
  return app;
}
