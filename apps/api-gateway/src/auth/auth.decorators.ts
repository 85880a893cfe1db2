import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ApiKeyScope } from '@hourglass/db';
import { type Actor as AuditActor, ADMIN_ACTOR } from '@hourglass/domain';

/** Who is calling: set on the request by the AuthGuard for API-key routes. */
export interface AuthContext {
  orgId: string;
  keyId: string;
  scopes: readonly ApiKeyScope[];
  /** When the key stops working: its expiry, or a rotation's grace end if sooner; null when never. */
  endsAt: Date | null;
}

export const ADMIN_ROUTE = 'hourglass:admin-route';
export const REQUIRED_SCOPE = 'hourglass:required-scope';

/** The route takes the operator's admin token instead of an API key. */
export const AdminRoute = () => SetMetadata(ADMIN_ROUTE, true);

/** Overrides the scope derived from the HTTP method (GET → read, anything else → write). */
export const RequireScope = (scope: ApiKeyScope) => SetMetadata(REQUIRED_SCOPE, scope);

export interface AuthenticatedRequest {
  auth?: AuthContext;
  /** Set by the AuthGuard when the admin token was accepted. */
  adminToken?: boolean;
}

export const Auth = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext => {
  const auth = ctx.switchToHttp().getRequest<AuthenticatedRequest>().auth;
  // The guard runs first on every non-public route; reaching here without it is a wiring bug.
  if (!auth) throw new Error('@Auth() used on a route the AuthGuard did not authenticate');
  return auth;
});

/** Who is calling, as the audit log records it: the API key (by its id) or the admin token. */
export const Actor = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuditActor => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (request.auth) return { type: 'api_key', id: request.auth.keyId };
  if (request.adminToken) return ADMIN_ACTOR;
  throw new Error('@Actor() used on a route the AuthGuard did not authenticate');
});
