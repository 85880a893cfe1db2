import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

describe('Idempotency-Key', () => {
  let gw: Gateway;
  let auth: string;
  beforeAll(async () => {
    gw = await startGateway();
    auth = `Bearer ${(await gw.newOrg()).key}`;
  });
  afterAll(() => gw.close());

  const task = (n: number) => ({ request: { url: 'https://example.com/hook', body: `{"n":${n}}` }, delay: '1h' });
  const post = (key: string, body: object) =>
    gw.http().post('/v1/tasks').set('authorization', auth).set('idempotency-key', key).send(body);

  it('replays the first response for the same key and body, with Idempotent-Replayed', async () => {
    const first = await post('replay-1', task(1)).expect(201);
    const again = await post('replay-1', task(1)).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(again.text).toBe(first.text);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses the same key with a different body: 422', async () => {
    await post('reuse-1', task(1)).expect(201);
    const res = await post('reuse-1', task(2)).expect(422);
    expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('creates exactly one task for 50 concurrent identical requests', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => post('race-1', task(7))));
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    for (const r of responses.filter((r) => r.status === 409)) expect(r.body.code).toBe('IDEMPOTENCY_KEY_IN_FLIGHT');
    const ids = new Set(responses.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const list = await gw.http().get('/v1/tasks?limit=100').set('authorization', auth).expect(200);
    expect(list.body.data.filter((t: { request: { body: string } }) => t.request.body === '{"n":7}')).toHaveLength(1);
  });

  it('keeps keys per org: another org may use the same key', async () => {
    const other = `Bearer ${(await gw.newOrg()).key}`;
    const mine = await post('shared-key', task(3)).expect(201);
    const theirs = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', other)
      .set('idempotency-key', 'shared-key')
      .send(task(3))
      .expect(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('keeps no secret readable at rest: the stored API key, whsec_ secret and task headers are sealed', async () => {
    const created = await gw
      .http()
      .post('/v1/api-keys')
      .set('authorization', auth)
      .set('idempotency-key', 'sealed-key')
      .send({ name: 'ci' })
      .expect(201);
    const rotate = () =>
      gw
        .http()
        .post('/v1/org/signing-secrets/rotate')
        .set('authorization', auth)
        .set('idempotency-key', 'sealed-secret')
        .send({})
        .expect(201);
    const rotated = await rotate();
    const withHeader = {
      request: { url: 'https://example.com/hook', headers: { authorization: 'Bearer task-token-1' } },
    };
    await post('sealed-task', withHeader).expect(201);
    const stored: { body: string }[] = await gw.app
      .get(DataSource)
      .query(`SELECT response_body::text AS body FROM idempotency_keys WHERE key LIKE 'sealed-%'`);
    expect(stored).toHaveLength(3);
    for (const { body } of stored) {
      for (const secret of [created.body.key, rotated.body.signingSecret, 'task-token-1'])
        expect(body).not.toContain(secret);
    }
    const replayed = await rotate();
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.text).toBe(rotated.text);
  });

  it('still replays a response stored before responses were sealed', async () => {
    const first = await post('stored-plain', task(8)).expect(201);
    await gw.app
      .get(DataSource)
      .query(`UPDATE idempotency_keys SET response_body = $1::json WHERE key = 'stored-plain'`, [first.text]);
    const again = await post('stored-plain', task(8)).expect(201);
    expect(again.text).toBe(first.text);
  });

  it('frees the key when the first request fails, and rejects an over-long key', async () => {
    await post('fails-first', { request: { url: 'not a url' } }).expect(400);
    await post('fails-first', task(4)).expect(201);
    const res = await post('x'.repeat(256), task(5)).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});
