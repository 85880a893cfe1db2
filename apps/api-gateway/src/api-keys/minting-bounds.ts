import type { ApiKeyScope } from '@hourglass/db';
import { AppError, ErrorCode } from '@hourglass/domain';
import type { AuthContext } from '../auth/auth.decorators.js';

const exceeded = (why: string) => new AppError(ErrorCode.API_KEY_PRIVILEGE_EXCEEDED, `A key cannot mint ${why}`);

/**
 * What a key may mint (create or rotate into): scopes within its own, an expiry no later than its own
 * end, and never the `admin` scope: a leaked admin key must not outlive its own revocation by minting
 * its successor (docs/decisions/0015). Admin-scope keys come from the operator's admin token only.
 */
export function assertWithinMintingBounds(
  caller: AuthContext,
  scopes: readonly ApiKeyScope[],
  expiresAt: Date | null,
): void {
  if (scopes.includes('admin')) throw exceeded('an admin-scope key: only the operator admin token can');
  const beyond = scopes.filter((scope) => !caller.scopes.includes(scope));
  if (beyond.length > 0) throw exceeded(`scopes beyond its own (${beyond.join(', ')})`);
  if (caller.endsAt && (!expiresAt || expiresAt > caller.endsAt))
    throw exceeded(`a key that outlives it: expiresAt must be at most ${caller.endsAt.toISOString()}`);
}
