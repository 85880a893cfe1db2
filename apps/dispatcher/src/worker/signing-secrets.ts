import { signingSecretAad, type KeyRing } from '@hourglass/crypto';
import type { SigningSecretRepository } from '@hourglass/db';

const TTL_MS = 30_000;

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
  ) {}

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
        this.cache.set(orgId, { secrets, expires: now + Math.min(TTL_MS, active.changesInMs ?? TTL_MS) });
        result.set(orgId, secrets);
      }
    }
    return result;
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
