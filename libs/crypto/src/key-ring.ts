import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM with versioned keys: `ENCRYPTION_KEYS="k2:<base64>,k1:<base64>"`. The first key
 * seals; every key opens, so the master key rotates without downtime. The AAD binds a sealed
 * value to where it belongs (e.g. `org:<id>:signing-secret`), so it cannot be moved elsewhere.
 * Sealed form: `<keyId>:<base64 iv|tag|ciphertext>`.
 */
export class KeyRing {
  private readonly keys: Map<string, Buffer>;
  private readonly sealingKeyId: string;

  constructor(spec: string) {
    const entries = spec.split(',').map((part) => {
      const [id, material] = part.trim().split(':');
      const key = Buffer.from(material ?? '', 'base64');
      if (!id || key.length !== 32)
        throw new Error(`ENCRYPTION_KEYS entry "${id ?? ''}" must be <id>:<base64 of 32 bytes>`);
      return [id, key] as const;
    });
    if (entries.length === 0) throw new Error('ENCRYPTION_KEYS is empty');
    this.keys = new Map(entries);
    this.sealingKeyId = entries[0]![0];
  }

  static generateSpec(id = 'k1'): string {
    return `${id}:${randomBytes(32).toString('base64')}`;
  }

  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.sealingKeyId)!, iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${this.sealingKeyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string, aad: string): string {
    const separator = sealed.indexOf(':');
    const key = this.keys.get(sealed.slice(0, separator));
    if (separator < 0 || !key) throw new Error('sealed value uses an unknown key id');
    const raw = Buffer.from(sealed.slice(separator + 1), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

/** AAD binding an org's sealed signing secret to that org (api-gateway seals, dispatcher opens). */
export const signingSecretAad = (orgId: string): string => `org:${orgId}:signing-secret`;
