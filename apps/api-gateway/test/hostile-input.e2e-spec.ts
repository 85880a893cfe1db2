import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import type { Response } from 'supertest';
import { startGateway, type Gateway } from './harness.js';

/**
 * Hostile input: every case is a 4xx application/problem+json with a stable code, never a 500.
 * Not local mode (the harness default), so private and loopback targets are refused at create time.
 */
describe('hostile input', () => {
  let gw: Gateway;
  let auth: string;
  let taskId: string;
  let scheduleId: string;
  beforeAll(async () => {
    gw = await startGateway();
    auth = `Bearer ${(await gw.newOrg()).key}`;
    await gw.http().post('/v1/queues').set('authorization', auth).send({ name: 'known' }).expect(201);
    taskId = (await post('/v1/tasks', { request: { url }, delay: '1h' }).expect(201)).body.id;
    scheduleId = (await post('/v1/schedules', { name: 's', cron: '0 9 * * *', request: { url } }).expect(201)).body.id;
  });
  afterAll(() => gw.close());

  const url = 'https://example.com/hook';
  const NUL = 'a\u0000b';
  /** A valid expression (minute 0, listed 300,001 times): croner parsed it once per computed fire time. */
  const HUGE_CRON = `${'0,'.repeat(300_000)}0 * * * *`;
  const post = (path: string, body: unknown) =>
    gw
      .http()
      .post(path)
      .set('authorization', auth)
      .send(body as object);
  const patch = (path: string, body: unknown) =>
    gw
      .http()
      .patch(path)
      .set('authorization', auth)
      .send(body as object);
  const postRaw = (path: string, raw: string, contentType = 'application/json') =>
    gw.http().post(path).set('authorization', auth).set('content-type', contentType).send(raw);

  function expectProblem(res: Response, status: number, code: string, field?: string): void {
    expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toMatchObject({ status, code, type: expect.stringContaining('https://hourglass.dev/errors/') });
    if (field !== undefined) expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
  }

  describe('U+0000 (Postgres refuses it in text and jsonb: it was a 500)', () => {
    it.each([
      ['request.url', { request: { url: `${url}/${NUL}` } }],
      ['request.body', { request: { url, body: NUL } }],
      ['request.headers.x-a', { request: { url, headers: { 'x-a': NUL } } }],
      ['labels.tenant', { request: { url }, labels: { tenant: NUL } }],
      ['labels["a\\u0000b"]', { request: { url }, labels: { [NUL]: 'v' } }],
      ['callbackUrl', { request: { url }, callbackUrl: `${url}${NUL}` }],
      ['queue', { request: { url }, queue: NUL }],
    ])('in %s of a task', async (field, body) => {
      expectProblem(await post('/v1/tasks', body), 400, 'VALIDATION_FAILED', field);
    });

    it('in a schedule name, a batch item, an edit and a query filter', async () => {
      expectProblem(
        await post('/v1/schedules', { name: NUL, cron: '0 9 * * *', request: { url } }),
        400,
        'VALIDATION_FAILED',
        'name',
      );
      expectProblem(
        await post('/v1/tasks/batch', { tasks: [{ request: { url } }, { request: { url }, labels: { a: NUL } }] }),
        400,
        'VALIDATION_FAILED',
        'tasks[1].labels.a',
      );
      expectProblem(await patch(`/v1/tasks/${taskId}`, { request: { body: NUL } }), 400, 'VALIDATION_FAILED');
      for (const query of ['label=tenant:a%00b', 'queue=a%00b', 'cursor=%00'])
        expectProblem(await gw.http().get(`/v1/tasks?${query}`).set('authorization', auth), 400, 'VALIDATION_FAILED');
      expectProblem(await gw.http().get('/v1/queues/a%00b').set('authorization', auth), 400, 'VALIDATION_FAILED');
    });

    it('and unpaired surrogates, which jsonb refuses too', async () => {
      expectProblem(
        await post('/v1/tasks', { request: { url }, labels: { a: '\ud800' } }),
        400,
        'VALIDATION_FAILED',
        'labels.a',
      );
    });
  });

  describe('null where a field cannot be null (it reached the database: a 500)', () => {
    it.each(['name', 'interval', 'timezone', 'timeoutMs', 'retry', 'labels', 'priority', 'missedRuns', 'overlap'])(
      'PATCH /v1/schedules/{id} with %s: null, and the schedule is unchanged',
      async (field) => {
        expectProblem(await patch(`/v1/schedules/${scheduleId}`, { [field]: null }), 400, 'VALIDATION_FAILED', field);
        const schedule = await gw.http().get(`/v1/schedules/${scheduleId}`).set('authorization', auth).expect(200);
        expect(schedule.body).toMatchObject({ name: 's', cron: '0 9 * * *', version: 1 });
      },
    );

    it.each(['delay', 'runAt', 'timeoutMs', 'retry', 'labels', 'priority', 'request'])(
      'PATCH /v1/tasks/{id} with %s: null (delay: null ran the task at once), and the task is unchanged',
      async (field) => {
        const before = await gw.http().get(`/v1/tasks/${taskId}`).set('authorization', auth).expect(200);
        expectProblem(await patch(`/v1/tasks/${taskId}`, { [field]: null }), 400, 'VALIDATION_FAILED', field);
        const after = await gw.http().get(`/v1/tasks/${taskId}`).set('authorization', auth).expect(200);
        expect(after.body).toEqual(before.body);
      },
    );

    it.each([
      ['/v1/admin/orgs', { name: 'o', plan: null }, 'plan'],
      ['/v1/api-keys', { name: null }, 'name'],
      ['/v1/tasks', { request: { url, body: null } }, 'request.body'],
      ['/v1/tasks', { request: { url }, retry: { maxAttempts: null } }, 'retry.maxAttempts'],
      ['/v1/tasks/batch', { tasks: [{ request: { url } }, { request: { url }, labels: null }] }, 'tasks[1].labels'],
      ['/v1/tasks/cancel', { filter: { label: null } }, 'filter.label'],
      ['/v1/schedules', { name: 'n', cron: '0 9 * * *', request: { url }, timezone: null }, 'timezone'],
      ['/v1/queues', { name: 'nulls', parallelism: null }, 'parallelism'],
    ])(
      'POST %s with %j: 400 (null was taken as "left out", a body the document refuses)',
      async (path, body, field) => {
        const req = gw.http().post(path);
        const res = await (path.startsWith('/v1/admin/') ? gw.admin(req) : req.set('authorization', auth)).send(body);
        expectProblem(res, 400, 'VALIDATION_FAILED', field);
      },
    );

    it('PATCH /v1/queues/{name}: parallelism null is 400, rateLimit null clears the limit', async () => {
      expectProblem(await patch('/v1/queues/known', { parallelism: null }), 400, 'VALIDATION_FAILED', 'parallelism');
      await patch('/v1/queues/known', { rateLimit: { count: 5, per: 'second' } }).expect(200);
      expect((await patch('/v1/queues/known', { rateLimit: null }).expect(200)).body.rateLimit).toBeNull();
    });

    it('PATCH /v1/admin/orgs/{id} and a signing-secret rotation', async () => {
      const { orgId } = await gw.newOrg();
      for (const field of ['name', 'plan', 'retentionDays']) {
        const res = await gw.admin(gw.http().patch(`/v1/admin/orgs/${orgId}`)).send({ [field]: null });
        expectProblem(res, 400, 'VALIDATION_FAILED', field);
      }
      expectProblem(
        await post('/v1/org/signing-secrets/rotate', { overlap: null }),
        400,
        'VALIDATION_FAILED',
        'overlap',
      );
    });
  });

  describe('timestamps: real calendar instants only, never shifted', () => {
    it.each([
      ['a leap second (JavaScript cannot hold it: it was a 500)', { runAt: '2026-12-31T23:59:60Z' }, 'runAt'],
      ['a delay past what a Date holds (it was a 500)', { delay: '8999999999999s' }, 'delay'],
      ['Feb 30 (it was moved to March 2)', { runAt: '2027-02-30T00:00:00Z' }, 'runAt'],
      ['April 31', { runAt: '2027-04-31T12:00:00Z' }, 'runAt'],
      ['an offset of 99 hours', { runAt: '2027-01-01T00:00:00+99:00' }, 'runAt'],
      ['more than 366 days ahead', { delay: '367d' }, 'delay'],
    ])('refuses %s', async (_name, timing, field) => {
      expectProblem(await post('/v1/tasks', { request: { url }, ...timing }), 400, 'VALIDATION_FAILED', field);
    });

    it('in edits, list filters, bulk filters and api key expiry too', async () => {
      expectProblem(await patch(`/v1/tasks/${taskId}`, { runAt: '2027-02-30T00:00:00Z' }), 400, 'VALIDATION_FAILED');
      expectProblem(await patch(`/v1/tasks/${taskId}`, { delay: '8999999999999s' }), 400, 'VALIDATION_FAILED');
      for (const query of ['createdAfter=2027-02-30T00:00:00Z', 'createdBefore=2026-12-31T23:59:60Z'])
        expectProblem(await gw.http().get(`/v1/tasks?${query}`).set('authorization', auth), 400, 'VALIDATION_FAILED');
      expectProblem(
        await post('/v1/tasks/cancel', { filter: { createdAfter: '2027-02-29T00:00:00Z' } }),
        400,
        'VALIDATION_FAILED',
        'filter.createdAfter',
      );
      expectProblem(
        await post('/v1/api-keys', { expiresAt: '2027-02-30T00:00:00Z' }),
        400,
        'VALIDATION_FAILED',
        'expiresAt',
      );
    });

    it('still accepts a real leap day', async () => {
      await post('/v1/tasks', { request: { url }, runAt: '2028-02-29T12:00:00Z' }).expect(400); // beyond 366 days
      const soon = new Date(Date.now() + 86_400_000).toISOString();
      const res = await post('/v1/tasks', { request: { url }, runAt: soon }).expect(201);
      expect(res.body.runAt).toBe(soon);
    });
  });

  describe('JSON nesting (class-transformer and JSON.stringify recurse: depth 10,000 was a 500)', () => {
    const nested = (depth: number, open = '{"a":', close = '}') => `${open.repeat(depth)}1${close.repeat(depth)}`;

    it.each([
      ['33 levels', `{"request":{"url":"${url}"},"labels":${nested(31)}}`],
      ['10,000 levels', `{"request":{"url":"${url}"},"labels":${nested(10_000)}}`],
      ['100,000 nested arrays', `{"request":{"url":"${url}"},"x":${nested(100_000, '[', ']')}}`],
    ])('refuses %s before any DTO is built', async (_name, raw) => {
      expectProblem(await postRaw('/v1/tasks', raw), 400, 'VALIDATION_FAILED');
      const idempotent = await postRaw('/v1/tasks/batch', `{"tasks":[${raw}]}`).set('idempotency-key', 'deep');
      expectProblem(idempotent, 400, 'VALIDATION_FAILED');
    });

    it('accepts 32 levels, the limit', async () => {
      const res = await postRaw('/v1/tasks', `{"request":{"url":"${url}"},"labels":${nested(30)}}`);
      expectProblem(res, 400, 'VALIDATION_FAILED', 'labels'); // reaches the DTO: labels must be strings
    });
  });

  describe('limits (API.md): each a 400 naming the field', () => {
    const headers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-h${i}`, 'v']));
    it.each([
      ['request.headers', { request: { url, headers: headers(5_000) } }],
      ['request.headers', { request: { url, headers: headers(65) } }],
      ['request.headers', { request: { url, headers: { 'x-big': 'v'.repeat(900_000) } } }],
      ['request.headers', { request: { url, headers: { 'x-big': 'v'.repeat(8 * 1024 + 1) } } }],
      ['request.headers', { request: { url, headers: { ['x'.repeat(257)]: 'v' } } }],
      ['request.headers', { request: { url, headers: { 'x-a': 'a\u0001b' } } }],
      ['request.url', { request: { url: `https://example.com/${'a'.repeat(2_048)}` } }],
      ['request.url', { request: { url: 'https://exa mple.com/' } }],
      ['callbackUrl', { request: { url }, callbackUrl: `https://example.com/${'a'.repeat(2_048)}` }],
      ['labels', { request: { url }, labels: { k: 'v'.repeat(1_001) } }],
      ['labels', { request: { url }, labels: { ['k'.repeat(101)]: 'v' } }],
      ['labels', { request: { url }, labels: headers(21) }],
      ['queue', { request: { url }, queue: 'q'.repeat(65) }],
      ['expectedBodyPattern', { request: { url }, expectedBodyPattern: 'a'.repeat(1_001) }],
      ['expectedStatusCodes', { request: { url }, expectedStatusCodes: Array.from({ length: 21 }, () => 200) }],
    ])('%s over its limit', async (field, body) => {
      expectProblem(await post('/v1/tasks', body), 400, 'VALIDATION_FAILED', field);
    });

    it('accepts headers at the limits', async () => {
      await post('/v1/tasks', {
        request: { url, headers: { ...headers(63), ['x'.repeat(256)]: 'v'.repeat(8 * 1024) } },
      }).expect(201);
    });

    it.each([
      ['cron', { cron: HUGE_CRON }],
      ['cron', { cron: '* '.repeat(450_000) }],
      ['cron', { cron: `0 ${'0,'.repeat(130)}0 * * *` }],
      ['timezone', { cron: '0 9 * * *', timezone: 'E'.repeat(100_000) }],
      ['interval', { interval: '8999999999999s' }],
      ['interval', { interval: '367d' }],
      ['name', { interval: '1h', name: 'n'.repeat(201) }],
    ])('a schedule %s over its limit, answered at once', async (field, fields) => {
      const started = Date.now();
      const res = await post('/v1/schedules', { name: 's', request: { url }, ...fields });
      expectProblem(res, 400, 'VALIDATION_FAILED', field);
      expect(Date.now() - started).toBeLessThan(1_000); // a huge cron held the event loop for seconds
    });

    it('a 600 KB cron in an edit', async () => {
      const res = await patch(`/v1/schedules/${scheduleId}`, { cron: HUGE_CRON });
      expectProblem(res, 400, 'VALIDATION_FAILED', 'cron');
    });

    it('/next: count at most 100, and no further than ten years ahead', async () => {
      expectProblem(
        await gw.http().get(`/v1/schedules/${scheduleId}/next?count=101`).set('authorization', auth),
        400,
        'VALIDATION_FAILED',
        'count',
      );
      const leap = await post('/v1/schedules', { name: 'leap', cron: '0 0 29 2 *', request: { url } }).expect(201);
      const started = Date.now();
      const res = await gw
        .http()
        .get(`/v1/schedules/${leap.body.id}/next?count=100`)
        .set('authorization', auth)
        .expect(200);
      expect(Date.now() - started).toBeLessThan(500);
      expect(res.body.data.length).toBeGreaterThanOrEqual(2);
      expect(res.body.data.length).toBeLessThanOrEqual(3);
      const full = await gw
        .http()
        .get(`/v1/schedules/${scheduleId}/next?count=100`)
        .set('authorization', auth)
        .expect(200);
      expect(full.body.data).toHaveLength(100);
    });
  });

  describe('batches', () => {
    it('an unknown queue is 400 naming the item (it was a 500 from the foreign key), with nothing created', async () => {
      const { key } = await gw.newOrg();
      const tasks = [{ request: { url }, queue: 'known' }, { request: { url } }, { request: { url }, queue: 'nope' }];
      const res = await gw.http().post('/v1/tasks/batch').set('authorization', `Bearer ${key}`).send({ tasks });
      expectProblem(res, 400, 'VALIDATION_FAILED', 'tasks[0].queue'); // "known" is another org's queue
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['tasks[0].queue', 'tasks[2].queue']);
      const list = await gw.http().get('/v1/tasks').set('authorization', `Bearer ${key}`).expect(200);
      expect(list.body.data).toHaveLength(0);
    });

    it('accepts a queue the org has', async () => {
      await post('/v1/tasks/batch', { tasks: [{ request: { url }, queue: 'known' }] }).expect(201);
    });

    it('refuses an item that is not an object', async () => {
      expectProblem(await post('/v1/tasks/batch', { tasks: [[{ request: { url } }]] }), 400, 'VALIDATION_FAILED');
      expectProblem(await post('/v1/tasks/batch', { tasks: [null] }), 400, 'VALIDATION_FAILED');
    });
  });

  describe('create-time refusal of private targets (not local mode)', () => {
    it.each([
      'http://127.0.0.1/',
      'http://0x7f000001/',
      'http://2130706433/',
      'http://127.1/',
      'http://[::ffff:127.0.0.1]/',
      'http://[::1]/',
      'http://0.0.0.0/',
      'http://localhost./',
      'http://localhost:8080/',
      'http://example.com@127.0.0.1/',
      'http://user:pass@10.0.0.1:8080/',
      'http://169.254.169.254/latest/meta-data',
      'http://[fd00::1]/',
    ])('%s → 400 TARGET_NOT_ALLOWED', async (target) => {
      expectProblem(await post('/v1/tasks', { request: { url: target } }), 400, 'TARGET_NOT_ALLOWED', 'request.url');
    });

    it('for callbacks, batches, schedules and edits too', async () => {
      const target = 'http://192.168.1.10/';
      expectProblem(
        await post('/v1/tasks', { request: { url }, callbackUrl: target }),
        400,
        'TARGET_NOT_ALLOWED',
        'callbackUrl',
      );
      expectProblem(
        await post('/v1/tasks', { request: { url }, failureCallbackUrl: target }),
        400,
        'TARGET_NOT_ALLOWED',
        'failureCallbackUrl',
      );
      expectProblem(
        await post('/v1/tasks/batch', { tasks: [{ request: { url } }, { request: { url: target } }] }),
        400,
        'TARGET_NOT_ALLOWED',
        'tasks[1].request.url',
      );
      expectProblem(
        await post('/v1/schedules', { name: 'p', cron: '0 9 * * *', request: { url: target } }),
        400,
        'TARGET_NOT_ALLOWED',
        'request.url',
      );
      expectProblem(
        await patch(`/v1/schedules/${scheduleId}`, { request: { url: target } }),
        400,
        'TARGET_NOT_ALLOWED',
        'request.url',
      );
      expectProblem(
        await patch(`/v1/tasks/${taskId}`, { request: { url: target } }),
        400,
        'TARGET_NOT_ALLOWED',
        'request.url',
      );
    });

    it('lets public hosts and DNS names through (the dispatcher checks resolved addresses when it connects)', async () => {
      for (const target of ['https://93.184.216.34/', 'https://127.0.0.1.nip.io/', 'https://[2606:4700::1111]/'])
        await post('/v1/tasks', { request: { url: target } }).expect(201);
    });
  });

  describe('the HTTP layer answers problem+json too', () => {
    it('415 for a body that is not JSON (text/plain was parsed and got a 400)', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])
        expectProblem(await postRaw('/v1/tasks', 'hello', type), 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('413 for a 10 MB body, 400 for malformed JSON', async () => {
      expectProblem(
        await post('/v1/tasks', { request: { url, body: 'x'.repeat(10_000_000) } }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      expectProblem(await postRaw('/v1/tasks', '{"request":'), 400, 'VALIDATION_FAILED');
      expectProblem(await postRaw('/v1/tasks', '{"__proto__":{"x":1}}'), 400, 'VALIDATION_FAILED', '__proto__');
    });

    it('404 for an unknown route, 405 with Allow for a known path and another method', async () => {
      expectProblem(await gw.http().get('/v1/nope').set('authorization', auth), 404, 'NOT_FOUND');
      const res = await gw.http().delete('/v1/tasks').set('authorization', auth);
      expectProblem(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toMatch(/POST/);
      expectProblem(await gw.http().put(`/v1/tasks/${taskId}`).set('authorization', auth), 405, 'METHOD_NOT_ALLOWED');
    });

    it('414 for an over-long path segment, 400 for a malformed percent-encoding', async () => {
      expectProblem(
        await gw
          .http()
          .get(`/v1/tasks/${'a'.repeat(200)}`)
          .set('authorization', auth),
        414,
        'URI_TOO_LONG',
      );
      expectProblem(await gw.http().get('/v1/tasks/%E0%A4%A').set('authorization', auth), 400, 'BAD_REQUEST');
    });

    describe("from Node's HTTP parser (clientError: there is no request yet)", () => {
      let port: number;
      beforeAll(async () => {
        const server = gw.app.getHttpServer();
        await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
        port = (server.address() as AddressInfo).port;
      });

      const send = (request: string) =>
        new Promise<string>((resolve) => {
          let answer = '';
          const socket = connect(port, '127.0.0.1', () => socket.end(request));
          socket.on('data', (chunk) => (answer += chunk));
          socket.on('close', () => resolve(answer));
          socket.on('error', () => resolve(answer));
        });
      const parse = (answer: string) => {
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        return { status: Number(head.split(' ')[1]), head: head.toLowerCase(), body: JSON.parse(body) };
      };

      it('a request must arrive whole in 30 s (Fastify turned the limit off: a slow body held its connection forever)', () => {
        expect(gw.app.getHttpServer().requestTimeout).toBe(30_000);
      });

      it.each([
        [
          'a 20 KB header',
          `GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
          431,
          'HEADERS_TOO_LARGE',
        ],
        [
          '5,000 headers',
          `GET /v1/tasks HTTP/1.1\r\nHost: x\r\n${'X-A: b\r\n'.repeat(5_000)}\r\n`,
          431,
          'HEADERS_TOO_LARGE',
        ],
        ['a 20 KB URL', `GET /v1/tasks?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414, 'URI_TOO_LONG'],
        ['NUL in a header', 'GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n', 400, 'BAD_REQUEST'],
        ['garbage', 'NOT HTTP\r\n\r\n', 400, 'BAD_REQUEST'],
      ])('%s → %i %s', async (_name, request, status, code) => {
        const answer = parse(await send(request));
        expect(answer.status).toBe(status);
        expect(answer.head).toContain('content-type: application/problem+json');
        expect(answer.body).toMatchObject({ status, code, requestId: expect.any(String) });
      });
    });
  });
});

describe('hostile input, local mode', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_LOCAL_MODE: 'true' });
  });
  afterAll(() => gw.close());

  it('accepts private and loopback targets, as the local launcher promises', async () => {
    const { key } = await gw.newOrg();
    for (const target of ['http://127.0.0.1:3000/hook', 'http://localhost:3000/', 'http://[::1]/', 'http://10.0.0.1/'])
      await gw
        .http()
        .post('/v1/tasks')
        .set('authorization', `Bearer ${key}`)
        .send({ request: { url: target } })
        .expect(201);
  });
});

describe('hostile input, HOURGLASS_ALLOW_PRIVATE_TARGETS', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_ALLOW_PRIVATE_TARGETS: '10.0.0.0/8' });
  });
  afterAll(() => gw.close());

  it('opens the ranges it names, and only those', async () => {
    const { key } = await gw.newOrg();
    const create = (target: string) =>
      gw
        .http()
        .post('/v1/tasks')
        .set('authorization', `Bearer ${key}`)
        .send({ request: { url: target } });
    await create('http://10.1.2.3/').expect(201);
    expect((await create('http://192.168.1.1/')).body.code).toBe('TARGET_NOT_ALLOWED');
    expect((await create('http://localhost/')).body.code).toBe('TARGET_NOT_ALLOWED');
  });
});
