import { DataSource } from 'typeorm';
import { ADMIN_TOKEN, startGateway, type Gateway } from './harness.js';

describe('task validation', () => {
  let gw: Gateway;
  let auth: string;
  beforeAll(async () => {
    gw = await startGateway();
    auth = `Bearer ${(await gw.newOrg()).key}`;
  });
  afterAll(() => gw.close());

  const url = 'https://example.com/hook';
  const post = (body: unknown) =>
    gw
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .send(body as object);

  it.each([
    ['relative url', { request: { url: '/hook' } }, 'request.url', 'must be an absolute http(s) URL'],
    ['ftp url', { request: { url: 'ftp://example.com/x' } }, 'request.url', 'must be an absolute http(s) URL'],
    ['missing request', {}, 'request', undefined],
    ['bad method', { request: { url, method: 'FETCH' } }, 'request.method', undefined],
    [
      'bad header name',
      { request: { url, headers: { 'bad header': 'x' } } },
      'request.headers',
      '"bad header" is not a valid header name',
    ],
    ['reserved header', { request: { url, headers: { 'Webhook-Signature': 'x' } } }, 'request.headers', undefined],
    ['non-string header value', { request: { url, headers: { 'x-a': 1 } } }, 'request.headers', undefined],
    [
      'body over 256 KB',
      { request: { url, body: 'x'.repeat(256 * 1024 + 1) } },
      'request.body',
      'must be at most 262144 bytes',
    ],
    ['timeoutMs 500', { request: { url }, timeoutMs: 500 }, 'timeoutMs', undefined],
    ['timeoutMs 400000', { request: { url }, timeoutMs: 400000 }, 'timeoutMs', undefined],
    ['maxAttempts 0', { request: { url }, retry: { maxAttempts: 0 } }, 'retry.maxAttempts', undefined],
    ['maxAttempts 12', { request: { url }, retry: { maxAttempts: 12 } }, 'retry.maxAttempts', undefined],
    [
      'delay and runAt',
      { request: { url }, delay: '5m', runAt: '2030-01-01T00:00:00Z' },
      'runAt',
      'cannot be combined with delay',
    ],
    ['bad delay', { request: { url }, delay: '5x' }, 'delay', undefined],
    ['bad runAt', { request: { url }, runAt: 'tomorrow' }, 'runAt', undefined],
    ['priority 11', { request: { url }, priority: 11 }, 'priority', undefined],
    [
      '21 labels',
      { request: { url }, labels: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])) },
      'labels',
      undefined,
    ],
    [
      'relative callbackUrl',
      { request: { url }, callbackUrl: 'done' },
      'callbackUrl',
      'must be an absolute http(s) URL',
    ],
    [
      'unknown top-level field',
      { request: { url }, orgId: '0193a0a0-0000-7000-8000-000000000000' },
      'orgId',
      undefined,
    ],
    ['status mass-assignment', { request: { url }, status: 'succeeded' }, 'status', undefined],
    ['queue (not accepted yet)', { request: { url }, queue: 'q' }, 'queue', undefined],
    ['unknown nested field', { request: { url, foo: 1 } }, 'request.foo', undefined],
    ['unknown retry field', { request: { url }, retry: { backoff: 'linear' } }, 'retry.backoff', undefined],
  ])('%s → 400 VALIDATION_FAILED on %s', async (_name, body, field, message) => {
    const res = await post(body).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const error = res.body.errors.find((e: { field: string }) => e.field === field);
    expect(error).toBeDefined();
    if (message) expect(error.message).toBe(message);
  });

  it.each([
    ['an array', [{ request: { url } }]],
    ['a string', 'hello'],
    ['null', null],
  ])('rejects a JSON body that is %s', async (_name, body) => {
    const res = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .set('content-type', 'application/json')
      .send(JSON.stringify(body))
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('rejects a null body where every field is optional too (it is not an empty object)', async () => {
    const { key, orgId } = await gw.newOrg();
    const { body: minted } = await gw
      .as(key)
      .post('/v1/api-keys', { scopes: ['read'] })
      .expect(201);
    for (const [method, path, token] of [
      ['post', '/v1/api-keys', key],
      ['post', `/v1/api-keys/${minted.id}/rotate`, key],
      ['post', '/v1/org/signing-secrets/rotate', key],
      ['patch', `/v1/admin/orgs/${orgId}`, ADMIN_TOKEN],
    ] as const) {
      const res = await gw
        .http()
        [method](path)
        .set('authorization', `Bearer ${token}`)
        .set('content-type', 'application/json')
        .send('null')
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses a missing body where one is required: 400 VALIDATION_FAILED naming the body', async () => {
    const { key } = await gw.newOrg();
    const paths = ['/v1/tasks', '/v1/schedules', '/v1/monitors', '/v1/notification-channels', '/v1/endpoints'];
    for (const path of [...paths, '/v1/status-pages']) {
      for (const type of ['application/json', undefined]) {
        const req = gw.http().post(path).set('authorization', `Bearer ${key}`);
        const res = await (type ? req.set('content-type', type) : req).expect(400);
        expect({ path, type, ...res.body }).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'body' }] });
      }
    }
    expect((await gw.as(key).get('/v1/tasks').expect(200)).body.data).toEqual([]);
  });

  it('refuses fields sent to an action that takes no body (never ignored), and accepts it bodiless or {}', async () => {
    const { key } = await gw.newOrg();
    const created = await gw
      .as(key)
      .post('/v1/tasks', { request: { url: 'https://example.com/x' }, delay: '1h' })
      .expect(201);
    const cancel = () => gw.http().post(`/v1/tasks/${created.body.id}/cancel`).set('authorization', `Bearer ${key}`);
    const refused = await cancel().send({ status: 'succeeded', orgId: 'x' }).expect(400);
    expect(refused.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'status' }] });
    expect((await gw.as(key).get(`/v1/tasks/${created.body.id}`).expect(200)).body.status).toBe('scheduled');
    await cancel().send({}).expect(200);
  });

  it('rejects malformed JSON with problem+json', async () => {
    const res = await gw
      .http()
      .post('/v1/tasks')
      .set('authorization', auth)
      .set('content-type', 'application/json')
      .send('{"request":')
      .expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('answers 413 PAYLOAD_TOO_LARGE above the 1 MB request limit', async () => {
    const res = await post({ request: { url, body: 'x'.repeat(1_100_000) } }).expect(413);
    expect(res.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('accepts a body of exactly 256 KB, and creates nothing for rejected requests', async () => {
    const db = gw.app.get(DataSource);
    const [{ count: before }] = await db.query('SELECT count(*)::int AS count FROM tasks');
    await post({ request: { url: 'https://example.com/x', headers: { 'X-Custom': 'a' } }, orgId: 'x' }).expect(400);
    expect((await db.query('SELECT count(*)::int AS count FROM tasks'))[0].count).toBe(before);
    await post({ request: { url, body: 'é'.repeat(128 * 1024) } }).expect(201);
  });

  it('validates list queries', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['status=done', 'status'],
      ['label=nocolon', 'label'],
      ['createdAfter=yesterday', 'createdAfter'],
      ['cursor=bm90LWEtdXVpZA', 'cursor'],
      ['foo=1', 'foo'],
    ]) {
      const res = await gw.http().get(`/v1/tasks?${query}`).set('authorization', auth).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });
});
