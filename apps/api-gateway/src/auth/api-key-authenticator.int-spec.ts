import { DataSource } from 'typeorm';
import { generateApiKey } from '@hourglass/crypto';
import { ApiKeyRepository, newId } from '@hourglass/db';
import { createTestDataSource, make, type TestDataSource } from '@hourglass/testing';
import type { ApiGatewayConfig } from '../config.js';
import { ApiKeyAuthenticator } from './api-key-authenticator.js';

/**
 * The real repository, counting its lookups; `hold` keeps each lookup's answer back until it
 * resolves, and `read` is called once a lookup has its row from the database.
 */
class CountedKeys extends ApiKeyRepository {
  lookups = 0;
  hold: Promise<void> = Promise.resolve();
  read: () => void = () => undefined;
  override async findActiveByKeyId(keyId: string) {
    this.lookups++;
    const row = await super.findActiveByKeyId(keyId);
    this.read();
    await this.hold;
    return row;
  }
}

describe('ApiKeyAuthenticator (real repository)', () => {
  let fixture: TestDataSource;
  let db: DataSource;
  beforeAll(async () => {
    fixture = await createTestDataSource();
    db = fixture.db;
  });
  afterAll(() => fixture.close());

  /** An org with one write key, and an authenticator over the counting repository. */
  async function newKey() {
    const { org } = await make.org(db);
    const created = generateApiKey();
    const keys = new CountedKeys(db);
    const row = await keys.insert({
      id: newId(),
      orgId: org.id,
      keyId: created.keyId,
      secretHash: created.secretHash,
      name: 'test',
      scopes: ['write'],
      expiresAt: null,
      createdBy: 'admin',
    });
    return {
      org,
      created,
      keys,
      row,
      authenticator: new ApiKeyAuthenticator(keys, { auth: { keyCacheTtlMs: 60_000 } } as ApiGatewayConfig),
    };
  }

  it('looks a key up once for a burst of requests that all miss the cache, and never caches a wrong secret', async () => {
    const { created, keys, row, authenticator } = await newKey();

    const contexts = await Promise.all(Array.from({ length: 30 }, () => authenticator.authenticate(created.key)));
    expect(keys.lookups).toBe(1);
    expect(new Set(contexts.map((c) => c?.keyId))).toEqual(new Set([row.id]));

    const wrong = `hg_${created.keyId}_${'x'.repeat(43)}`;
    expect(await authenticator.authenticate(wrong)).toBeUndefined();
    expect(await authenticator.authenticate(wrong)).toBeUndefined();
    expect(keys.lookups).toBe(3);
    expect(await authenticator.authenticate(created.key)).toEqual(contexts[0]);
    expect(keys.lookups).toBe(3);
  });

  it('does not cache what a lookup overlapping a revocation read, and starts later requests afresh', async () => {
    const { org, created, keys, row, authenticator } = await newKey();
    let release!: () => void;
    keys.hold = new Promise((resolve) => (release = resolve));
    const read = new Promise<void>((resolve) => (keys.read = resolve));
    const before = authenticator.authenticate(created.key);
    await read; // its lookup has read the key as active
    await keys.revoke(org.id, row.id);
    authenticator.forget(row.id);
    const after = authenticator.authenticate(created.key);
    release();
    expect((await before)?.keyId).toBe(row.id); // read before the revocation: answered as it was
    expect(await after).toBeUndefined();
    expect(await authenticator.authenticate(created.key)).toBeUndefined();
    expect(keys.lookups).toBe(3);
  });
});
