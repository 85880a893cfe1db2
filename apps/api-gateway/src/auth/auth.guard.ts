import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode } from '@hourglass/domain';
import { tokensEqual } from '@hourglass/crypto';
import type { ApiKeyScope } from '@hourglass/db';
import { APP_CONFIG, IS_PUBLIC } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import { ApiKeyAuthenticator } from './api-key-authenticator.js';
import { ADMIN_ROUTE, REQUIRED_SCOPE, type AuthenticatedRequest } from './auth.decorators.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const READ_METHODS = new Set(['GET', 'HEAD']);

/** Default deny: every route needs the admin token or an API key with the right scope, unless @Public(). */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeyAuthenticator) private readonly apiKeys: ApiKeyAuthenticator,
    @Inject(APP_CONFIG) private readonly config: ApiGatewayConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = ctx.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw new AppError(ErrorCode.UNAUTHENTICATED, 'Send Authorization: Bearer <key>');

    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ROUTE, targets)) {
      if (!tokensEqual(token, this.config.auth.adminToken))
        throw new AppError(ErrorCode.UNAUTHENTICATED, 'This route takes the admin token');
      request.adminToken = true;
      return true;
    }
    const auth = await this.apiKeys.authenticate(token);
    if (!auth)
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'The API key is not valid, or has been revoked or has expired');
    const scope =
      this.reflector.getAllAndOverride<ApiKeyScope>(REQUIRED_SCOPE, targets) ??
      (READ_METHODS.has(request.method) ? 'read' : 'write');
    if (!auth.scopes.includes(scope)) throw new AppError(ErrorCode.FORBIDDEN, `The API key lacks the "${scope}" scope`);
    request.auth = auth;
    return true;
  }
}
