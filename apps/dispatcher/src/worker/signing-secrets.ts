import { signingSecretAad, type KeyRing } from '@hourglass/crypto';
import type { OrganizationRepository } from '@hourglass/db';

const TTL_MS = 30_000;

/**
 * Opened signing secrets per org, cached briefly: a batch of deliveries costs at most one query
 * for the orgs it has not seen in the last 30 s. A rotated secret is picked up within that time.
 */
export class SigningSecrets {
  private readonly cache = new Map<string, { secrets: string[]; expires: number }>();

  constructor(
    private readonly orgs: OrganizationRepository,
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
      for (const [orgId, sealed] of await this.orgs.signingSecrets(missing)) {
        const secrets = sealed.map((s) => this.keys.open(s, signingSecretAad(orgId)));
        this.cache.set(orgId, { secrets, expires: now + TTL_MS });
        result.set(orgId, secrets);
      }
    }
    return result;
  }
}
