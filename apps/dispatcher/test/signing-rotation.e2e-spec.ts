import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, KeyRing, signingSecretAad } from '@hourglass/crypto';
import { Channel, newId, notify, SigningSecretRepository } from '@hourglass/db';
import { make, startHttpSink, until, type HttpSink, type ReceivedRequest } from '@hourglass/testing';
import { SigningSecrets } from '../src/worker/signing-secrets.js';
import { startDispatcher, type Dispatcher } from './harness.js';

/**
 * Resolves when the dispatcher's cache drops `orgId` on its NOTIFY (the marker that a change reached
 * it); rejects if that has not happened within `timeoutMs`.
 */
function forgotten(orgId: string, timeoutMs = 10_000): Promise<void> {
  const forget = SigningSecrets.prototype.forget;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      SigningSecrets.prototype.forget = forget;
      reject(new Error(`the dispatcher did not drop org ${orgId}'s secrets within ${timeoutMs} ms of the NOTIFY`));
    }, timeoutMs);
    SigningSecrets.prototype.forget = function (this: SigningSecrets, id: string) {
      forget.call(this, id);
      if (id !== orgId) return;
      SigningSecrets.prototype.forget = forget;
      clearTimeout(timer);
      resolve();
    };
  });
}

describe('signing-secret rotation (dispatcher in process, real Postgres, real HTTP target)', () => {
  let dispatcher: Dispatcher;
  let sink: HttpSink;
  let db: DataSource;
  let boss: PgBoss;
  let repo: SigningSecretRepository;
  let keys: KeyRing;

  beforeAll(async () => {
    sink = await startHttpSink();
    dispatcher = await startDispatcher();
    ({ db, boss, keys } = dispatcher);
    repo = dispatcher.app.get(SigningSecretRepository);
  });

  afterAll(async () => {
    await dispatcher.close();
    await sink.close();
  });

  /** What the API does: the change and its NOTIFY commit together. */
  const change = <T>(orgId: string, run: (em: DataSource['manager']) => Promise<T>) =>
    db.transaction(async (em) => {
      const result = await run(em);
      await notify(em, Channel.SigningSecretsChanged, orgId);
      return result;
    });

  const rotate = async (orgId: string, overlapMs = 86_400_000) => {
    const secret = generateSigningSecret();
    const row = await change(orgId, (em) =>
      repo.rotate(orgId, newId(), keys.seal(secret, signingSecretAad(orgId)), overlapMs, em),
    );
    return { secret, id: row!.id };
  };

  const deliver = async (orgId: string): Promise<ReceivedRequest> => {
    const task = await make.task(db, boss, { orgId, url: `${sink.url}/signed`, body: '{"n":1}' });
    const [received] = await sink.waitFor(1, (r) => r.headers['webhook-id'] === task.id);
    return received!;
  };

  const verifies = (secret: string, r: ReceivedRequest) => {
    try {
      new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    }
  };

  it('signs with both secrets during the overlap, and only with the new one after revoking the old', async () => {
    const { org, signingSecret: old } = await make.org(db);
    expect((await deliver(org.id)).headers['webhook-signature']).toMatch(/^v1,\S+$/);
    const { secret: fresh } = await rotate(org.id);

    const during = await deliver(org.id);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect([verifies(old, during), verifies(fresh, during)]).toEqual([true, true]);

    const [previous] = (await repo.listForOrg(org.id)).filter((s) => s.active && s.expiresAt !== null);
    const heard = forgotten(org.id);
    expect(await change(org.id, (em) => repo.revoke(org.id, previous!.id, em))).toMatchObject({
      id: previous!.id,
      active: false,
    });
    await heard; // the NOTIFY reached the dispatcher's listener, which dropped its cached secrets

    const after = await deliver(org.id);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect([verifies(old, after), verifies(fresh, after)]).toEqual([false, true]);
  });

  it('stops signing with the old secret when the overlap ends, without a revoke', async () => {
    const { org, signingSecret: old } = await make.org(db);
    const { secret: fresh } = await rotate(org.id, 1_500);
    const during = await deliver(org.id);
    expect([verifies(old, during), verifies(fresh, during)]).toEqual([true, true]);
    // The overlap is over by the database's clock (the dispatcher's cache entry ends no later than that).
    await until(
      async () =>
        (
          await db.query(
            `SELECT bool_and(expires_at <= now()) AS over FROM org_signing_secrets WHERE org_id = $1 AND expires_at IS NOT NULL`,
            [org.id],
          )
        )[0].over === true,
      { what: 'the overlap window to end' },
    );
    const after = await deliver(org.id);
    expect([verifies(old, after), verifies(fresh, after)]).toEqual([false, true]);
  });

  it('refuses to revoke the newest secret, so an org always has one to sign with', async () => {
    const { org } = await make.org(db);
    const { id } = await rotate(org.id);
    expect(await change(org.id, (em) => repo.revoke(org.id, id, em))).toBe('newest');
    expect(await change(org.id, (em) => repo.revokeAllButNewest(org.id, em))).toHaveLength(1);
    expect((await repo.activeForOrgs([org.id])).get(org.id)?.sealed).toHaveLength(1);
  });
});
