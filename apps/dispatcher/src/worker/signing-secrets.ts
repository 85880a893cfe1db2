import { signingSecretAad, type KeyRing } from '@hourglass/crypto';
import type { SigningSecretRepository } from '@hourglass/db';

const TTL_MS = 30_000;
/** Past this many orgs cached, lapsed entries are swept, then the longest held go first. */
export const MAX_CACHED_ORGS = 10_000;

/**
 * Opened signing secrets per org, cached briefly: a batch of deliveries costs at most one query
 * for the orgs it has not seen in the last 30 s. A rotation or revocation NOTIFYs, and `forget`
 * drops the org at once; should that hint be lost, the entry still lapses within 30 s. An entry
 * never outlives the end of an overlap window it knows about (the database says how far away that is).
 */
export class SigningSecrets {
  private readonly cache = new Map<string, { secrets: string[]; expires: number }>();

  constructor(
    private readonly repo: SigningSecretRepository,
    private readonly keys: KeyRing,
    private readonly maxOrgs = MAX_CACHED_ORGS,
  ) {}

  /** Orgs whose opened secrets are held in memory now. */
  get size(): number {
    return this.cache.size;
  }

  async forOrgs(orgIds: Iterable<string>): Promise<Map<string, string[]>> {
    const now = Date.now();
    const result = new Map<string, string[]>();
    const missing: string[] = [];
    for (const orgId of new Set(orgIds)) {
      const hit = this.cache.get(orgId);
      if (hit && hit.expires > now) result.set(orgId, hit.secrets);
      else missing.push(orgId);
    }
    if (missing.length > 0) {
      for (const [orgId, active] of await this.repo.activeForOrgs(missing)) {
        const secrets = active.sealed.map((s) => this.keys.open(s, signingSecretAad(orgId)));
        this.cache.delete(orgId); // re-inserted last: the Map's order is the order of loads
        this.cache.set(orgId, { secrets, expires: now + Math.min(TTL_MS, active.changesInMs ?? TTL_MS) });
        result.set(orgId, secrets);
      }
      this.evict(now);
    }
    return result;
  }

  /** Bounds the cache (opened secrets of orgs that stopped delivering need not stay in memory). */
  private evict(now: number): void {
    if (this.cache.size <= this.maxOrgs) return;
    for (const [orgId, entry] of this.cache) if (entry.expires <= now) this.cache.delete(orgId);
    for (const orgId of this.cache.keys()) {
      if (this.cache.size <= this.maxOrgs) break;
      this.cache.delete(orgId);
    }
  }

  /** The org's secrets changed (NOTIFY): read them again on its next delivery. */
  forget(orgId: string): void {
    this.cache.delete(orgId);
  }

  /** Notifications may have been missed (the listener reconnected): read every org again. */
  forgetAll(): void {
    this.cache.clear();
  }
}
