import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { Reflector } from '@nestjs/core';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { AppError, ErrorCode } from '@hourglass/domain';
import { IS_PUBLIC } from './public.decorator.js';

/** A required body that is absent (none sent, or an empty one with Content-Type: application/json). */
export const bodyRequired = () =>
  new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [
    { field: 'body', message: 'is required (a JSON object)' },
  ]);

/** The class of the handler's `@Body()` argument, if it takes one. */
function bodyType(ctx: ExecutionContext): (new () => object) | undefined {
  const name = ctx.getHandler().name;
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, ctx.getClass(), name) ?? {}) as Record<
    string,
    { index: number }
  >;
  const key = Object.keys(args).find((k) => k.split(':')[0] === String(RouteParamtypes.BODY));
  const types = Reflect.getMetadata('design:paramtypes', ctx.getClass().prototype, name) as unknown[] | undefined;
  return key === undefined ? undefined : (types?.[args[key]!.index] as (new () => object) | undefined);
}

/** Whether the handler takes a `@Body()` (its route-argument metadata names the BODY type). */
function takesBody(ctx: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, ctx.getClass(), ctx.getHandler().name) ?? {}) as object;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.BODY));
}

/**
 * Unknown fields are 400 on every route (docs/api.md), bodiless actions too (`POST …/cancel`,
 * `…/pause`): a JSON object with fields sent to a handler that takes no body is refused, naming
 * the first field, instead of being ignored. Public routes read their raw bodies themselves.
 */
@Injectable()
export class BodilessRoutes implements NestInterceptor {
  private readonly cache = new WeakMap<object, boolean>();
  private readonly required = new WeakMap<object, boolean>();

  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body = ctx.switchToHttp().getRequest<FastifyRequest>().body;
    if (body === undefined && this.requiresBody(ctx)) throw bodyRequired();
    if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return next.handle();
    const field = Object.keys(body)[0];
    if (field === undefined || this.allowsBody(ctx)) return next.handle();
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'This route takes no request body', [
      { field, message: 'is not a field of this route (it takes no body)' },
    ]);
  }

  /** A body is required when its DTO has a required field: an empty object does not validate. */
  private requiresBody(ctx: ExecutionContext): boolean {
    const handler = ctx.getHandler();
    let required = this.required.get(handler);
    if (required === undefined) {
      const type = bodyType(ctx);
      required = type !== undefined && type !== Object && validateSync(plainToInstance(type, {})).length > 0;
      this.required.set(handler, required);
    }
    return required;
  }

  private allowsBody(ctx: ExecutionContext): boolean {
    const handler = ctx.getHandler();
    let allowed = this.cache.get(handler);
    if (allowed === undefined) {
      allowed =
        takesBody(ctx) || Boolean(this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, ctx.getClass()]));
      this.cache.set(handler, allowed);
    }
    return allowed;
  }
}
