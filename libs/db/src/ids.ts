import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;
let lastMs = 0;
let sequence = 0;

/** Random bytes from a pool refilled 4 KB at a time: a call into the RNG per id measurably costs here. */
function randomBytesFromPool(count: number): Buffer {
  if (poolOffset + count > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += count;
  return pool.subarray(poolOffset - count, poolOffset);
}

/**
 * UUID v7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter (method 1) so ids made in
 * the same millisecond by this process still sort in creation order, then 62 random bits.
 * Time-ordered ids double as the stable, index-friendly sort key behind list cursors.
 */
export function newId(): string {
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    sequence = randomBytesFromPool(2).readUInt16BE(0) & 0x3ff;
  } else {
    ms = lastMs;
    if (++sequence > 0xfff) {
      lastMs = ms = lastMs + 1;
      sequence = 0;
    }
  }
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes.writeUInt16BE(0x7000 | sequence, 6);
  randomBytesFromPool(8).copy(bytes, 8);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A fresh random hex string of `bytes` bytes, from the same pool (trace and span ids). */
export function randomHex(bytes: number): string {
  return randomBytesFromPool(bytes).toString('hex');
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => UUID.test(value);

/** The Unix milliseconds a UUID v7 was made at (its first 48 bits): a task id tells when it was created. */
export function idTimeMs(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
