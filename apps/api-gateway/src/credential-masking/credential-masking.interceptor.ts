import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import type { AuthenticatedRequest } from '../auth/auth.decorators.js';
import { maskCredentials } from './mask-credentials.js';

/**
 * Masks credentials in task and schedule responses for API keys without the `admin` scope (docs/api.md
 * "Credential masking"); admin-scope keys and the operator token see values verbatim. It runs outside the
 * idempotency layer, so a stored reply keeps every value and each replay is masked for the key replaying it.
 */
@Injectable()
export class CredentialMaskingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const auth = context.switchToHttp().getRequest<AuthenticatedRequest>().auth;
    if (!auth || auth.scopes.includes('admin')) return next.handle();
    return next.handle().pipe(map(maskCredentials));
  }
}
