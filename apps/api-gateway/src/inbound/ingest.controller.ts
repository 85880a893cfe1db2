import { All, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public, RAW_BODY_ROUTE, RequestTraceparent } from '@hourglass/platform';
import { traceparentFor } from '../tasks/traceparent.js';
import { parseJson, type ReceivedRequest } from './inbound-request.js';
import { IngestService } from './ingest.service.js';
import { EndpointRateLimited } from './endpoint-rate-limiter.js';

/** Header values as one string each (repeated headers joined as HTTP allows). */
function headersOf(request: FastifyRequest): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

function receivedOf(request: FastifyRequest): ReceivedRequest {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const queryAt = request.url.indexOf('?');
  return {
    method: request.method,
    path: queryAt === -1 ? request.url : request.url.slice(0, queryAt),
    query: (request.query ?? {}) as Record<string, string | string[]>,
    headers: headersOf(request),
    body,
    json: parseJson(body),
  };
}

/** `ANY /in/{slug}`: public (the slug is the credential), documented in docs/api.md, not in /openapi.json. */
@ApiExcludeController()
@Public()
@Controller('in')
export class IngestController {
  constructor(@Inject(IngestService) private readonly ingest: IngestService) {}

  @All(':slug')
  @RouteConfig(RAW_BODY_ROUTE)
  async receive(
    @Param('slug') slug: string,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @RequestTraceparent() traceparent?: string,
  ): Promise<void> {
    // With tracing on, this request's SERVER span: each forward's delivery continues its trace.
    const answer = await this.ingest
      .receive(slug, receivedOf(request), traceparentFor(traceparent))
      .catch((error: unknown) => {
        if (error instanceof EndpointRateLimited) void reply.header('retry-after', String(error.retryAfterSeconds));
        throw error;
      });
    if (answer.kind === 'challenge') return void reply.status(200).send({ challenge: answer.challenge });
    const custom = answer.endpoint.response;
    if (custom) return void reply.status(custom.status).header('content-type', custom.contentType).send(custom.body);
    void reply.status(202).send({ id: answer.eventId });
  }
}
