import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/**
 * One sealed column value (docs/decisions/0014), stored as bytea:
 * `0x00 | data-key version (uint16 BE) | nonce (12) | ciphertext | tag (16)`, 31 bytes over the
 * plaintext. AES-256-GCM under the org's data key; the AAD is the 3 header bytes and
 * `<org id>/<table>.<column>/<row id>`, so a value moved to another org, column or row does not
 * open. The leading 0x00 tells a sealed value from a legacy plaintext one: PostgreSQL text (what a
 * migrated plaintext column was converted from) never holds a NUL byte.
 */
const MARKER = 0x00;
const HEADER = 3;
const NONCE = 12;
const TAG = 16;
export const SEAL_OVERHEAD = HEADER + NONCE + TAG;
export const MAX_DATA_KEY_VERSION = 0xffff;

export interface DataKey {
  version: number;
  key: KeyObject;
}

/** Where a sealed value belongs: what its AAD binds it to. */
export interface FieldPlace {
  orgId: string;
  table: string;
  column: string;
  rowId: string;
}

export function generateDataKeyMaterial(): Buffer {
  return randomBytes(32);
}

export function dataKey(version: number, material: Buffer): DataKey {
  if (!Number.isInteger(version) || version < 1 || version > MAX_DATA_KEY_VERSION)
    throw new Error(`data key version ${version} is out of range`);
  return { version, key: createSecretKey(material) };
}

function placeAad(header: Buffer, place: FieldPlace): Buffer {
  const text = `${place.orgId}/${place.table}.${place.column}/${place.rowId}`;
  const aad = Buffer.allocUnsafe(HEADER + Buffer.byteLength(text));
  header.copy(aad, 0, 0, HEADER);
  aad.write(text, HEADER, 'utf8');
  return aad;
}

/**
 * Nonces are cut from a pool of random bytes refilled 4,096 nonces at a time: one CSPRNG call per
 * call of `randomBytes(12)` cost about a fifth of a seal. Each nonce is used once and never reused.
 */
const POOL_NONCES = 4_096;
let pool = Buffer.alloc(0);
let offset = 0;
function nextNonce(): Buffer {
  if (offset >= pool.length) {
    pool = randomBytes(NONCE * POOL_NONCES);
    offset = 0;
  }
  offset += NONCE;
  return pool.subarray(offset - NONCE, offset);
}

export function sealField(key: DataKey, plaintext: string, place: FieldPlace): Buffer {
  const header = Buffer.from([MARKER, key.version >> 8, key.version & 0xff]);
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key.key, nonce);
  cipher.setAAD(placeAad(header, place));
  const body = cipher.update(plaintext, 'utf8');
  const last = cipher.final();
  return Buffer.concat([header, nonce, body, last, cipher.getAuthTag()]);
}

/** The data-key version a stored value is sealed under; null for a legacy plaintext value. */
export function sealedVersion(stored: Buffer): number | null {
  return stored.length >= SEAL_OVERHEAD && stored[0] === MARKER ? stored.readUInt16BE(1) : null;
}

/** Opens a sealed value (throws when the key, place or bytes are not the ones it was sealed with). */
export function openField(key: DataKey, sealed: Buffer, place: FieldPlace): string {
  const decipher = createDecipheriv('aes-256-gcm', key.key, sealed.subarray(HEADER, HEADER + NONCE));
  decipher.setAAD(placeAad(sealed.subarray(0, HEADER), place));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
  return Buffer.concat([
    decipher.update(sealed.subarray(HEADER + NONCE, sealed.length - TAG)),
    decipher.final(),
  ]).toString('utf8');
}
