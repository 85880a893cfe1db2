import { informational, Readiness, redactSecrets } from './readiness.js';

describe('Readiness', () => {
  it('is ready only when every check passes; a check that throws fails with its message, password masked', async () => {
    const readiness = new Readiness();
    readiness.add(informational('leader', () => ({ leading: false })));
    readiness.add({ name: 'database', check: async () => ({ ok: true }) });
    expect((await readiness.run()).ready).toBe(true);
    readiness.add({
      name: 'queue',
      check: () => Promise.reject(new Error('no route to postgresql://app:hunter2@10.0.0.5/db')),
    });
    expect(await readiness.run()).toEqual({
      ready: false,
      checks: {
        leader: { ok: true, detail: { leading: false } },
        database: { ok: true },
        queue: { ok: false, detail: 'no route to postgresql://app:***@10.0.0.5/db' },
      },
    });
  });

  it('masks URL passwords and password= settings, and leaves the rest alone', () => {
    expect(redactSecrets('postgres://u:p@h:5432/d and https://x.test/a@b')).toBe(
      'postgres://u:***@h:5432/d and https://x.test/a@b',
    );
    expect(redactSecrets('host=db password=secret user=u')).toBe('host=db password=*** user=u');
    expect(redactSecrets('postgres://u@h/d')).toBe('postgres://u@h/d');
  });
});
