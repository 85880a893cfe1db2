import type { DataSource, EntityManager } from 'typeorm';
import { openField, sealedVersion, sealField, type FieldPlace, type KeyRing } from '@hourglass/crypto';
import { OrgDataKeys, type OrgDataKeysOptions } from './org-data-keys.js';

/**
 * The one codec the repositories seal and open customer data with; services see plaintext only.
 * `load` the orgs of a batch first (one read at most, usually none), then seal/open synchronously.
 * A stored value whose first byte is not the seal marker is legacy plaintext, returned as is.
 */
export class FieldCipher {
  readonly keys: OrgDataKeys;

  /** `sealing: false` is for the benchmark's encryption-off comparison only: values are written as plaintext. */
  constructor(
    ring: KeyRing,
    options: OrgDataKeysOptions = {},
    private readonly sealing = true,
  ) {
    this.keys = new OrgDataKeys(ring, options);
  }

  async load(em: EntityManager, orgIds: Iterable<string>): Promise<void> {
    if (this.sealing) await this.keys.load(em, orgIds);
  }

  seal(place: FieldPlace, value: string): Buffer;
  seal(place: FieldPlace, value: string | null): Buffer | null;
  seal(place: FieldPlace, value: string | null): Buffer | null {
    if (value === null) return null;
    return this.sealing ? sealField(this.keys.current(place.orgId), value, place) : Buffer.from(value, 'utf8');
  }

  open(place: FieldPlace, stored: Buffer): string;
  open(place: FieldPlace, stored: Buffer | null): string | null;
  open(place: FieldPlace, stored: Buffer | null): string | null {
    if (stored === null) return null;
    const version = sealedVersion(stored);
    return version === null
      ? stored.toString('utf8')
      : openField(this.keys.version(place.orgId, version), stored, place);
  }
}

const ciphers = new WeakMap<DataSource, FieldCipher>();

/** Gives a DataSource the cipher its repositories use (the platform does, from HOURGLASS_MASTER_KEYS). */
export function attachCipher(db: DataSource, cipher: FieldCipher): FieldCipher {
  ciphers.set(db, cipher);
  return cipher;
}

export function cipherOf(db: DataSource | EntityManager): FieldCipher {
  const source = 'connection' in db ? db.connection : db;
  const cipher = ciphers.get(source);
  if (!cipher) throw new Error('this DataSource has no FieldCipher: createDataSource({ masterKeys }) attaches one');
  return cipher;
}
