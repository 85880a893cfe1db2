import { randomUUID } from 'node:crypto';
import {
  dataKey,
  generateDataKeyMaterial,
  openField,
  SEAL_OVERHEAD,
  sealedVersion,
  sealField,
  type FieldPlace,
} from './field-seal.js';

const key = dataKey(3, generateDataKeyMaterial());
const place: FieldPlace = { orgId: randomUUID(), table: 'tasks', column: 'headers', rowId: randomUUID() };

describe('sealed column values', () => {
  it('open where they were sealed, carry their data-key version and cost 31 bytes', () => {
    const sealed = sealField(key, '{"authorization":"Bearer s3cret"}', place);
    expect(openField(key, sealed, place)).toBe('{"authorization":"Bearer s3cret"}');
    expect(sealedVersion(sealed)).toBe(3);
    expect(sealed.length).toBe(Buffer.byteLength('{"authorization":"Bearer s3cret"}') + SEAL_OVERHEAD);
    expect(sealed.includes(Buffer.from('s3cret'))).toBe(false);
  });

  it.each([
    ['another org', { orgId: randomUUID() }],
    ['another table', { table: 'schedules' }],
    ['another column', { column: 'body' }],
    ['another row', { rowId: randomUUID() }],
  ])('do not open when swapped to %s (AAD)', (_, moved) => {
    const sealed = sealField(key, 'https://example.com/hook?token=abc', place);
    expect(() => openField(key, sealed, { ...place, ...moved })).toThrow();
  });

  it("do not open under another org's data key, nor with the version or a ciphertext byte altered", () => {
    const sealed = sealField(key, 'payload', place);
    expect(() => openField(dataKey(3, generateDataKeyMaterial()), sealed, place)).toThrow();
    const relabelled = Buffer.from(sealed);
    relabelled.writeUInt16BE(4, 1);
    expect(() => openField(key, relabelled, place)).toThrow();
    const flipped = Buffer.from(sealed);
    flipped[SEAL_OVERHEAD - 16] = flipped[SEAL_OVERHEAD - 16]! ^ 1;
    expect(() => openField(key, flipped, place)).toThrow();
  });

  it('tell legacy plaintext (no marker byte) from sealed values', () => {
    expect(sealedVersion(Buffer.from('https://example.com/a-long-enough-legacy-url'))).toBeNull();
    expect(sealedVersion(Buffer.from('{}'))).toBeNull();
  });

  it('never repeat a nonce over 1,000,000 encryptions under one key', () => {
    const nonces = new Set<string>();
    const n = 1_000_000;
    for (let i = 0; i < n; i++) nonces.add(sealField(key, '', place).toString('latin1', 3, 15));
    expect(nonces.size).toBe(n);
  });
});
