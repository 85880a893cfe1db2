import type { EntityManager } from 'typeorm';
import { dataKey, generateDataKeyMaterial, type DataKey, type KeyRing } from '@hourglass/crypto';
import { queryRows } from '../sql.js';

/** The org has no data key (deleted: crypto-shredded), so its sealed values cannot be opened. */
export class DataKeyUnavailable extends Error {
  constructor(readonly orgId: string) {
    super(`organization ${orgId} has no data key (deleted)`);
  }
}

interface OrgKeys {
  current: DataKey;
  versions: Map<number, DataKey>;
  loadedAt: number;
}

export interface OrgDataKeysOptions {
  /**
   * How long an unwrapped key set is used before it is read again: bounds how long another replica
   * keeps a deleted org's keys (and takes to seal with a rotated org's new key).
   */
  ttlMs?: number;
  maxOrgs?: number;
}

/** AAD of a wrapped data key: the org and version it belongs to. */
export const wrapAad = (orgId: string, version: number) => `org_data_keys/${orgId}/${version}`;

/**
 * The orgs' data keys (`org_data_keys`, wrapped by the master ring), unwrapped and kept in process:
 * bounded, each org's set re-read after `ttlMs`, so the hot paths (a batch of task writes, a batch
 * of deliveries) read them once per org per TTL, not per statement. An org without a key that is
 * not deleted gets its first one on first use (orgs created before encryption, test factories).
 */
export class OrgDataKeys {
  private readonly cache = new Map<string, OrgKeys>();
  private readonly ttlMs: number;
  private readonly maxOrgs: number;

  constructor(
    readonly ring: KeyRing,
    options: OrgDataKeysOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxOrgs = options.maxOrgs ?? 10_000;
  }

  /** Makes the keys of `orgIds` available (one read for those not cached, one insert for those that have none yet). */
  async load(em: EntityManager, orgIds: Iterable<string>): Promise<void> {
    const now = Date.now();
    const missing = [...new Set(orgIds)].filter((id) => {
      const entry = this.cache.get(id);
      return !entry || now - entry.loadedAt > this.ttlMs;
    });
    if (missing.length === 0) return;
    let found = await this.read(em, missing);
    const keyless = missing.filter((id) => !found.has(id));
    // A key created inside a transaction may yet roll back: used now, read again on next use.
    const uncommitted = new Set<string>();
    if (keyless.length > 0) {
      const created = await this.createFirst(em, keyless);
      if (em.queryRunner?.isTransactionActive) created.forEach((id) => uncommitted.add(id));
      found = new Map([...found, ...(await this.read(em, keyless))]);
    }
    for (const id of missing) {
      this.cache.delete(id);
      const versions = found.get(id);
      if (!versions) continue;
      const current = [...versions.values()].reduce((a, b) => (b.version > a.version ? b : a));
      if (this.cache.size >= this.maxOrgs) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(id, { current, versions, loadedAt: uncommitted.has(id) ? 0 : now });
    }
  }

  /** The key that seals the org's new values. */
  current(orgId: string): DataKey {
    const entry = this.cache.get(orgId);
    if (!entry) throw new DataKeyUnavailable(orgId);
    return entry.current;
  }

  version(orgId: string, version: number): DataKey {
    const key = this.cache.get(orgId)?.versions.get(version);
    if (!key) throw new DataKeyUnavailable(orgId);
    return key;
  }

  /** Drops an org's keys from this process at once (it was deleted here). */
  forget(orgId: string): void {
    this.cache.delete(orgId);
  }

  /** After a missed notification (a reconnect): every org's keys are read again on next use. */
  forgetAll(): void {
    this.cache.clear();
  }

  private async read(em: EntityManager, orgIds: string[]): Promise<Map<string, Map<number, DataKey>>> {
    const rows = await queryRows<{ org_id: string; version: number; master_version: string; wrapped: Buffer }>(
      em,
      'SELECT org_id, version, master_version, wrapped FROM org_data_keys WHERE org_id = ANY($1::uuid[])',
      [orgIds],
    );
    const byOrg = new Map<string, Map<number, DataKey>>();
    for (const row of rows) {
      const material = this.ring.unwrap(row.master_version, row.wrapped, wrapAad(row.org_id, row.version));
      const versions = byOrg.get(row.org_id) ?? new Map<number, DataKey>();
      versions.set(row.version, dataKey(row.version, material));
      byOrg.set(row.org_id, versions);
    }
    return byOrg;
  }

  /** Version 1 for each org that exists, is not deleted and has none (concurrent creators: the first insert wins). */
  private async createFirst(em: EntityManager, orgIds: string[]): Promise<string[]> {
    const wrapped = orgIds.map((id) => this.ring.wrap(generateDataKeyMaterial(), wrapAad(id, 1)));
    const rows = await queryRows<{ org_id: string }>(
      em,
      `INSERT INTO org_data_keys (org_id, version, master_version, wrapped)
       SELECT o.id, 1, $3, w.wrapped FROM unnest($1::uuid[], $2::bytea[]) AS w(org_id, wrapped)
         JOIN organizations o ON o.id = w.org_id AND o.deleted_at IS NULL
        -- waits for a deletion in progress, then sees it: a deleted org never gets a key again
        FOR SHARE OF o
       ON CONFLICT DO NOTHING RETURNING org_id`,
      [orgIds, wrapped.map((w) => w.wrapped), this.ring.sealingVersion],
    );
    return rows.map((row) => row.org_id);
  }
}
