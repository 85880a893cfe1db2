import { All, Controller, HttpCode, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public, RAW_BODY_ROUTE } from '@hourglass/platform';
import { AppError, ErrorCode, MonitorLimits, type PingKind } from '@hourglass/domain';
import { PingRateLimited } from './ping-miss-limiter.js';
import { PingsService } from './pings.service.js';

/** A process exit status: 0-255. */
const EXIT_CODE = /^\d{1,3}$/;

function runIdOf(rid: unknown): string | undefined {
  if (rid === undefined) return undefined;
  if (
    typeof rid !== 'string' ||
    rid.length === 0 ||
    rid.length > MonitorLimits.maxRunIdLength ||
    /[\u0000-\u001f]/.test(rid)
  )
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'rid is not valid', [
      { field: 'rid', message: `must be 1-${MonitorLimits.maxRunIdLength} printable characters` },
    ]);
  return rid;
}

const bodyOf = (request: FastifyRequest) => (Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0));

/**
 * `ANY /ping/{token}[/start|/fail|/log|/{exitCode}]`: public (the token is the credential),
 * documented in docs/api.md, not in /openapi.json. Answers 200 "OK"; an unknown token is 404, and
 * too many unknown tokens from one address 429 RATE_LIMITED with Retry-After.
 */
@ApiExcludeController()
@Public()
@Controller('ping')
export class PingsController {
  constructor(@Inject(PingsService) private readonly pings: PingsService) {}

  @All(':token')
  @HttpCode(200)
  @RouteConfig(RAW_BODY_ROUTE)
  success(
    @Param('token') token: string,
    @Query('rid') rid: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.receive(token, 'success', rid, request, reply);
  }

  @All(':token/start')
  @HttpCode(200)
  @RouteConfig(RAW_BODY_ROUTE)
  start(
    @Param('token') token: string,
    @Query('rid') rid: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.receive(token, 'start', rid, request, reply);
  }

  @All(':token/fail')
  @HttpCode(200)
  @RouteConfig(RAW_BODY_ROUTE)
  fail(
    @Param('token') token: string,
    @Query('rid') rid: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.receive(token, 'fail', rid, request, reply);
  }

  @All(':token/log')
  @HttpCode(200)
  @RouteConfig(RAW_BODY_ROUTE)
  log(
    @Param('token') token: string,
    @Query('rid') rid: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.receive(token, 'log', rid, request, reply);
  }

  @All(':token/:exitCode')
  @HttpCode(200)
  @RouteConfig(RAW_BODY_ROUTE)
  exit(
    @Param('token') token: string,
    @Param('exitCode') exitCode: string,
    @Query('rid') rid: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const code = EXIT_CODE.test(exitCode) ? Number(exitCode) : NaN;
    if (!(code >= 0 && code <= 255)) throw new AppError(ErrorCode.NOT_FOUND, `No ping route ${exitCode.slice(0, 100)}`);
    return this.receive(token, 'success', rid, request, reply, code);
  }

  private async receive(
    token: string,
    kind: PingKind,
    rid: unknown,
    request: FastifyRequest,
    reply: FastifyReply,
    exitCode?: number,
  ): Promise<string> {
    await this.pings
      .receive(token, { kind, exitCode, runId: runIdOf(rid), body: bodyOf(request) }, request.ip)
      .catch((error: unknown) => {
        if (error instanceof PingRateLimited) void reply.header('retry-after', String(error.retryAfterSeconds));
        throw error;
      });
    return 'OK';
  }
}
