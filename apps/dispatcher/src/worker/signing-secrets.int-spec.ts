import { KeyRing } from '@hourglass/crypto';
import { SigningSecretRepository } from '@hourglass/db';
import { createTestDataSource, make, type TestDataSource, testMasterKeys } from '@hourglass/testing';
import { SigningSecrets } from './signing-secrets.js';

describe('SigningSecrets cache', () => {
  let fixture: TestDataSource;
  const keys = new KeyRing(testMasterKeys());

  beforeAll(async () => {
    fixture = await createTestDataSource();
  });

  afterAll(() => fixture.close());

  it('holds at most its bound of orgs, and still opens a new org past it', async () => {
    const orgs = [];
    for (let i = 0; i < 4; i++) orgs.push((await make.org(fixture.db, `org ${i}`)).org.id);
    const secrets = new SigningSecrets(new SigningSecretRepository(fixture.db), keys, 2);
    await secrets.forOrgs([orgs[0]!]);
    await secrets.forOrgs([orgs[1]!]);
    await secrets.forOrgs([orgs[2]!]);
    expect(secrets.size).toBe(2);
    const opened = await secrets.forOrgs([orgs[3]!]);
    expect(secrets.size).toBe(2);
    expect(opened.get(orgs[3]!)?.[0]).toMatch(/^whsec_/);
  });
});
