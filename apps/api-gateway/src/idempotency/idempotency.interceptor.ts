import {
  type CallHandler,
  type ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { catchError, from, mergeMap, of, throwError, type Observable } from 'rxjs';
import { KeyRing } from '@hourglass/crypto';
import { AppError, ErrorCode } from '@hourglass/domain';
import { IdempotencyRepository, isUuid } from '@hourglass/db';
import type { AuthenticatedRequest } from '../auth/auth.decorators.js';

const MAX_KEY_LENGTH = 255;

function requestHash(request: FastifyRequest): Buffer {
  return createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
    .digest();
}

/**
 * The org an operator's reply is about (its `orgId` path parameter, or the org `POST /v1/admin/orgs`
 * just created), so that deleting the org deletes the reply: it may hold the org's new key or secret.
 */
function orgOfOperatorReply(request: FastifyRequest, body: unknown): string | null {
  const fromPath = (request.params as { orgId?: unknown } | undefined)?.orgId;
  const created = request.routeOptions.url === '/v1/admin/orgs' ? (body as { id?: unknown } | null)?.id : undefined;
  const orgId = typeof fromPath === 'string' ? fromPath : created;
  return typeof orgId === 'string' && isUuid(orgId) ? orgId : null;
}

/** Binds a stored response to its key, so a sealed body cannot be replayed under another key or org. */
const responseAad = (scope: string, key: string): string => `idempotency:${scope}:${key}`;

/**
 * `Idempotency-Key` on every POST (docs/api.md "Idempotency"): the first request with a key runs and its response is
 * kept 24 h; the same key with the same request replays it (`Idempotent-Replayed: true`), with a
 * different request is 422, and while the first is still running is 409. Keys are per org (per
 * operator on admin routes). A failed first request frees its key, so the client may retry it.
 * The stored response is sealed with the KeyRing: it may hold a new API key, a whsec_ secret or task headers.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(IdempotencyRepository) private readonly keys: IdempotencyRepository,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(KeyRing) private readonly keyRing: KeyRing,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined) return next.handle();
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'Idempotency-Key must be 1–255 characters', [
        { field: 'Idempotency-Key', message: 'must be 1–255 characters' },
      ]);
    }
    const scope = request.auth?.orgId ?? 'admin';
    const claim = await this.keys.claim(scope, key, requestHash(request));
    if (claim.kind !== 'claimed' && !claim.sameRequest) {
      throw new AppError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'This Idempotency-Key was used with a different request');
    }
    if (claim.kind === 'in_flight') {
      throw new AppError(
        ErrorCode.IDEMPOTENCY_KEY_IN_FLIGHT,
        'A request with this Idempotency-Key is still being processed',
      );
    }
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if (claim.kind === 'done') {
      void reply.header('idempotent-replayed', 'true');
      // Rows stored before responses were sealed hold the body itself; a sealed one is a JSON string.
      const body =
        typeof claim.body === 'string'
          ? (JSON.parse(this.keyRing.open(claim.body, responseAad(scope, key))) as unknown)
          : claim.body;
      return of(body);
    }
    const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    return next.handle().pipe(
      mergeMap((body) => {
        const sealed = this.keyRing.seal(JSON.stringify(body ?? null), responseAad(scope, key));
        const owner = scope === 'admin' ? orgOfOperatorReply(request, body) : null;
        return from(this.keys.complete(scope, key, status, sealed, owner).then(() => body));
      }),
      // Any failure frees the key, then reaches the problem filter unchanged.
      catchError((error: unknown) => from(this.keys.release(scope, key)).pipe(mergeMap(() => throwError(() => error)))),
    );
  }
}
