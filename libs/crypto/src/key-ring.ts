import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The env vars naming the master key ring; ENCRYPTION_KEYS is read as an alias (same format). */
export const MASTER_KEYS_ENV = 'HOURGLASS_MASTER_KEYS';

/**
 * The master key ring, AES-256-GCM with versioned keys: `HOURGLASS_MASTER_KEYS="v2:<base64>,v1:<base64>"`.
 * The first version seals; every version opens, so the master key rotates without downtime. It wraps
 * the orgs' data keys (docs/decisions/0014) and seals the few values that belong to no org (the
 * operator's idempotent replies). The AAD binds a sealed value to where it belongs.
 * Sealed text form: `<version>:<base64 iv|tag|ciphertext>`.
 */
export class KeyRing {
  private readonly keys: Map<string, Buffer>;
  /** The version that seals (and wraps) from now on. */
  readonly sealingVersion: string;

  constructor(spec: string) {
    const entries = spec.split(',').map((part) => {
      const [id, material] = part.trim().split(':');
      const key = Buffer.from(material ?? '', 'base64');
      if (!id || key.length !== 32)
        throw new Error(`${MASTER_KEYS_ENV} entry "${id ?? ''}" must be <version>:<base64 of 32 bytes>`);
      return [id, key] as const;
    });
    if (entries.length === 0) throw new Error(`${MASTER_KEYS_ENV} is empty`);
    this.keys = new Map(entries);
    this.sealingVersion = entries[0]![0];
  }

  static generateSpec(version = 'v1'): string {
    return `${version}:${randomBytes(32).toString('base64')}`;
  }

  get versions(): string[] {
    return [...this.keys.keys()];
  }

  /** `iv|tag|ciphertext` of `plaintext` under the sealing version. */
  wrap(plaintext: Buffer, aad: string): { version: string; wrapped: Buffer } {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.sealingVersion)!, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { version: this.sealingVersion, wrapped: Buffer.concat([iv, cipher.getAuthTag(), body]) };
  }

  unwrap(version: string, wrapped: Buffer, aad: string): Buffer {
    const key = this.keys.get(version);
    if (!key) throw new Error(`sealed under master key version "${version}", which is not in ${MASTER_KEYS_ENV}`);
    const decipher = createDecipheriv('aes-256-gcm', key, wrapped.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(wrapped.subarray(12, 28));
    return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
  }

  seal(plaintext: string, aad: string): string {
    const { version, wrapped } = this.wrap(Buffer.from(plaintext, 'utf8'), aad);
    return `${version}:${wrapped.toString('base64')}`;
  }

  open(sealed: string, aad: string): string {
    const separator = sealed.indexOf(':');
    if (separator < 0) throw new Error('sealed value has no key version');
    return this.unwrap(sealed.slice(0, separator), Buffer.from(sealed.slice(separator + 1), 'base64'), aad).toString(
      'utf8',
    );
  }
}

/** AAD binding an org's sealed signing secret to that org (api-gateway seals, dispatcher opens). */
export const signingSecretAad = (orgId: string): string => `org:${orgId}:signing-secret`;
