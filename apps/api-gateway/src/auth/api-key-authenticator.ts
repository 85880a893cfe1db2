import { Inject, Injectable } from '@nestjs/common';
import { ApiKeyRepository } from '@hourglass/db';
import { hashSecret, parseApiKey, secretMatches } from '@hourglass/crypto';
import { APP_CONFIG } from '@hourglass/platform';
import type { ApiGatewayConfig } from '../config.js';
import type { AuthContext } from './auth.decorators.js';

interface CachedKey {
  context: AuthContext;
  validUntil: number;
}

const MAX_CACHED_KEYS = 10_000;

function earliest(a: Date | null, b: Date | null): Date | null {
  return a && b ? (a < b ? a : b) : (a ?? b);
}

/**
 * Validates `hg_<keyId>_<secret>` keys. A validated key is cached in-process for a short TTL
 * (keyed by keyId + hash of the presented secret, so a wrong secret never hits the cache): the
 * hot path (POST /v1/tasks) then costs no key lookup. The price is that a key revoked on another
 * replica keeps working here for up to the TTL (docs/decisions/0002-api-key-cache.md).
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly cache = new Map<string, CachedKey>();
  private readonly lookups = new Map<string, Promise<AuthContext | undefined>>();
  /** Bumped by every `forget`: a lookup that overlapped one does not cache what it read. */
  private generation = 0;
  private readonly ttlMs: number;

  constructor(
    @Inject(ApiKeyRepository) private readonly keys: ApiKeyRepository,
    @Inject(APP_CONFIG) config: ApiGatewayConfig,
  ) {
    this.ttlMs = config.auth.keyCacheTtlMs;
  }

  /** The caller's context, or undefined when the key is malformed, unknown, revoked, expired or wrong. */
  async authenticate(presented: string): Promise<AuthContext | undefined> {
    const parsed = parseApiKey(presented);
    if (!parsed) return undefined;
    const cacheKey = `${parsed.keyId}:${hashSecret(parsed.secret).toString('base64')}`;
    const now = Date.now();
    const cached = this.cache.get(cacheKey);
    if (cached && cached.validUntil > now) return cached.context;
    this.cache.delete(cacheKey);
    // One lookup per key at a time: when a busy key's entry expires, the requests arriving
    // meanwhile share it instead of each taking a pool connection (and its last-used write).
    let lookup = this.lookups.get(cacheKey);
    if (!lookup) {
      lookup = this.lookUp(cacheKey, parsed.keyId, parsed.secret, now).finally(() => this.lookups.delete(cacheKey));
      this.lookups.set(cacheKey, lookup);
    }
    return lookup;
  }

  private async lookUp(cacheKey: string, keyId: string, secret: string, now: number): Promise<AuthContext | undefined> {
    const generation = this.generation;
    const row = await this.keys.findActiveByKeyId(keyId);
    if (!row || !secretMatches(secret, row.secretHash)) return undefined;
    const endsAt = earliest(row.expiresAt, row.graceEndsAt);
    const context: AuthContext = { orgId: row.orgId, keyId: row.id, scopes: row.scopes, endsAt };
    // A rotated key's entry ends with its grace, as an expiring key's ends with its expiry.
    const validUntil = Math.min(now + this.ttlMs, endsAt?.getTime() ?? Infinity);
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
    if (generation === this.generation) this.cache.set(cacheKey, { context, validUntil });
    // Last-used is a hint: once per cache miss, never awaited by the request.
    this.keys.touch(row.id).catch(() => undefined);
    return context;
  }

  /** Drops a revoked or rotated key from this process's cache at once (other replicas wait out the TTL). */
  forget(apiKeyId: string): void {
    this.forgetWhere((context) => context.keyId === apiKeyId);
  }

  /** Drops every key of a deleted org from this process's cache at once (other replicas wait out the TTL). */
  forgetOrg(orgId: string): void {
    this.forgetWhere((context) => context.orgId === orgId);
  }

  private forgetWhere(matches: (context: AuthContext) => boolean): void {
    this.generation++;
    // Requests from now on look the key up afresh rather than join a lookup that began before.
    this.lookups.clear();
    for (const [cacheKey, entry] of this.cache) {
      if (matches(entry.context)) this.cache.delete(cacheKey);
    }
  }
}
