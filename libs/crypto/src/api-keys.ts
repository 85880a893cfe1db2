import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_FORMAT = /^hg_([0-9a-z]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewApiKey {
  keyId: string;
  /** The whole key, shown once: `hg_<keyId>_<secret>`. */
  key: string;
  secretHash: Buffer;
}

export function generateApiKey(): NewApiKey {
  const keyId = randomBytes(10).toString('hex').slice(0, 16);
  const secret = randomBytes(32).toString('base64url');
  return { keyId, key: `hg_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}

export function parseApiKey(key: string): { keyId: string; secret: string } | undefined {
  const match = KEY_FORMAT.exec(key);
  return match ? { keyId: match[1]!, secret: match[2]! } : undefined;
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Constant-time comparison of a presented secret with a stored SHA-256 hash. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

/** Constant-time string comparison for tokens held in configuration (the admin token). */
export function tokensEqual(a: string, b: string): boolean {
  return secretMatches(a, hashSecret(b));
}
