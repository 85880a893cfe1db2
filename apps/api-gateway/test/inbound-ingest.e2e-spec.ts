import { createHmac } from 'node:crypto';
import { DataSource } from 'typeorm';
import { InboundEventRepository } from '@hourglass/db';
import { startGateway, type Gateway } from './harness.js';

const GITHUB_SECRET = "It's a Secret to Everybody";
const github = (body: string | Buffer, secret = GITHUB_SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('inbound ingest: ANY /in/{slug}', () => {
  let gw: Gateway;
  let db: DataSource;
  let events: InboundEventRepository;
  beforeAll(async () => {
    gw = await startGateway();
    db = gw.app.get(DataSource);
    events = gw.app.get(InboundEventRepository);
  });
  afterAll(() => gw.close());

  const endpoint = async (body: object = {}) => {
    const org = await gw.newOrg();
    const created = await gw
      .as(org.key)
      .post('/v1/endpoints', { name: 'e', ...body })
      .expect(201);
    return { ...org, api: gw.as(org.key), id: created.body.id as string, slug: created.body.slug as string };
  };
  const forwardsOf = async (eventId: string) =>
    (await db.query('SELECT task_id FROM inbound_event_forwards WHERE event_id = $1', [eventId])) as unknown[];

  it('stores the raw request exactly (any media type, NUL bytes and all) and answers 202 after commit', async () => {
    const { orgId, slug } = await endpoint({ forward: [{ url: 'https://example.com/hook' }] });
    const bytes = Buffer.from([0x00, 0xff, 0x7b, 0x0a, 0x20, 0x22, 0xc3, 0x28]);
    const res = await gw
      .http()
      .put(`/in/${slug}?a=1&b=two`)
      .set('content-type', 'application/octet-stream')
      .set('x-custom', 'kept')
      .send(bytes)
      .expect(202);
    const stored = await events.find(orgId, res.body.id);
    expect(stored).toMatchObject({ method: 'PUT', path: `/in/${slug}`, query: { a: '1', b: 'two' }, verified: true });
    expect(stored!.headers['x-custom']).toBe('kept');
    expect(stored!.body!.equals(bytes)).toBe(true);
    const json = '{ "b":1,\n  "a" : [1,2] }';
    const second = await gw.http().post(`/in/${slug}`).set('content-type', 'application/json').send(json).expect(202);
    expect((await events.find(orgId, second.body.id))!.body!.toString()).toBe(json);
    expect(await forwardsOf(second.body.id)).toHaveLength(1);
    const [sealed] = await db.query('SELECT body, headers FROM inbound_events WHERE id = $1', [second.body.id]);
    expect(sealed.body[0]).toBe(0); // sealed (docs/decisions/0014)
    expect(sealed.headers.toString('latin1')).not.toContain('application/json');
  });

  it('answers the custom response, 413 over the body limit, 404 for unknown or hostile slugs, never a 500', async () => {
    const { slug } = await endpoint({ bodyLimit: 10, response: { status: 200, body: 'ok' } });
    const ok = await gw.http().post(`/in/${slug}`).set('content-type', 'text/plain').send('small').expect(200);
    expect(ok.text).toBe('ok');
    expect(ok.headers['content-type']).toMatch(/^text\/plain/);
    const big = await gw.http().post(`/in/${slug}`).set('content-type', 'text/plain').send('x'.repeat(11)).expect(413);
    expect(big.body.code).toBe('PAYLOAD_TOO_LARGE');
    const huge = await gw
      .http()
      .post(`/in/${slug}`)
      .set('content-type', 'text/plain')
      .send('x'.repeat(2 << 20));
    expect(huge.status).toBe(413);
    const unknown = await gw.http().post('/in/nope').send({}).expect(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(unknown.body.code).toBe('ENDPOINT_NOT_FOUND');
    const { slug: open } = await endpoint();
    await gw.http().get(`/in/${open}?x=1`).expect(202);
    await gw.http().delete(`/in/${open}`).set('content-type', 'application/json').send('{"a":1}').expect(202);
    await gw.http().patch(`/in/${open}`).set('content-type', 'application/json').send('{"broken":').expect(202);
    expect((await gw.http().post(`/in/${open}?q=%00`).send({})).status).toBe(400);
    expect((await gw.http().post(`/in/${open}`).set('content-type', 'not a type').send('x')).status).toBe(415);
    for (const hostile of ['%00', 'a%00b', '..%2F..%2Fetc', 'x'.repeat(90), '%F0%9F%92%A9']) {
      const res = await gw.http().post(`/in/${hostile}`).send({});
      expect([400, 404, 414]).toContain(res.status);
    }
  });

  it('GitHub: a verified request is forwarded; a forged one is 401, stored with its rejection, never forwarded', async () => {
    const { orgId, id, api, slug } = await endpoint({
      verify: { provider: 'github', secrets: ['old', GITHUB_SECRET] },
      forward: [{ url: 'https://example.com/gh' }],
    });
    const body = '{"zen":"Keep it logically awesome."}';
    const good = await gw
      .http()
      .post(`/in/${slug}`)
      .set('content-type', 'application/json')
      .set('x-github-delivery', 'd-1')
      .set('x-hub-signature-256', github(body))
      .send(body)
      .expect(202);
    expect(await forwardsOf(good.body.id)).toHaveLength(1);
    const forged = await gw
      .http()
      .post(`/in/${slug}`)
      .set('content-type', 'application/json')
      .set('x-github-delivery', 'd-2')
      .set('x-hub-signature-256', github(body, 'guess'))
      .send(body)
      .expect(401);
    expect(forged.body.code).toBe('SIGNATURE_INVALID');
    const [row] = await db.query(
      `SELECT id, verified, rejection, status FROM inbound_events WHERE endpoint_id = $1 AND NOT verified`,
      [id],
    );
    expect(row).toMatchObject({ verified: false, rejection: 'x-hub-signature-256 does not match', status: 'rejected' });
    expect(await forwardsOf(row.id)).toHaveLength(0);
    expect((await events.find(orgId, row.id))!.body!.toString()).toBe(body);
    const audit = await api.get(`/v1/audit-log?action=task.created`).expect(200);
    expect(audit.body.data[0].actor).toEqual({ type: 'endpoint', id });
  });

  it('100 concurrent duplicates (same X-GitHub-Delivery) give exactly one forwarded event; all are acknowledged', async () => {
    const { id, slug } = await endpoint({
      verify: { provider: 'github', secrets: [GITHUB_SECRET] },
      forward: [{ url: 'https://example.com/gh' }],
    });
    const body = '{"action":"opened"}';
    const send = () =>
      gw
        .http()
        .post(`/in/${slug}`)
        .set('content-type', 'application/json')
        .set('x-github-delivery', 'same-delivery')
        .set('x-hub-signature-256', github(body))
        .send(body);
    const answers = await Promise.all(Array.from({ length: 100 }, send));
    expect(answers.map((a) => a.status)).toEqual(Array(100).fill(202));
    const rows: { status: string; n: number }[] = await db.query(
      `SELECT status, count(*)::int AS n FROM inbound_events WHERE endpoint_id = $1 GROUP BY status ORDER BY status`,
      [id],
    );
    expect(rows).toEqual([
      { status: 'duplicate', n: 99 },
      { status: 'forwarded', n: 1 },
    ]);
    const [{ n }] = await db.query(
      `SELECT count(*)::int AS n FROM inbound_event_forwards f JOIN inbound_events e ON e.id = f.event_id
        WHERE e.endpoint_id = $1`,
      [id],
    );
    expect(n).toBe(1);
    const metrics = (await gw.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/hourglass_inbound_requests_total\{[^}]*provider="github",outcome="duplicate"[^}]*\} 99/);
  });

  it('paused: stored, not forwarded (or 503 with Retry-After when set to refuse); Slack url_verification is answered', async () => {
    const store = await endpoint({ forward: [{ url: 'https://example.com/p' }] });
    await store.api.post(`/v1/endpoints/${store.id}/pause`).expect(200);
    const kept = await gw.http().post(`/in/${store.slug}`).send({ a: 1 }).expect(202);
    expect((await events.find(store.orgId, kept.body.id))!.status).toBe('paused');
    expect(await forwardsOf(kept.body.id)).toHaveLength(0);
    await store.api.patch(`/v1/endpoints/${store.id}`, { whilePaused: 'refuse' }).expect(200);
    const refused = await gw.http().post(`/in/${store.slug}`).send({ a: 1 }).expect(503);
    expect(refused.headers['retry-after']).toBeDefined();
    expect(refused.body.code).toBe('ENDPOINT_PAUSED');

    const slack = await endpoint({ verify: { provider: 'slack', secrets: ['s3cret'] } });
    const body = JSON.stringify({ type: 'url_verification', challenge: 'ch-123', token: 't' });
    const ts = String(Math.floor(Date.now() / 1000));
    const signature = `v0=${createHmac('sha256', 's3cret').update(`v0:${ts}:${body}`).digest('hex')}`;
    const answer = await gw
      .http()
      .post(`/in/${slack.slug}`)
      .set('content-type', 'application/json')
      .set('x-slack-request-timestamp', ts)
      .set('x-slack-signature', signature)
      .send(body)
      .expect(200);
    expect(answer.body).toEqual({ challenge: 'ch-123' });
  });

  it('an Idempotency-Key a provider sends is stored as a header, not treated as the API’s', async () => {
    const { orgId, slug } = await endpoint();
    const send = () => gw.http().post(`/in/${slug}`).set('idempotency-key', 'provider-1').send({ a: 1 }).expect(202);
    const [first, second] = [await send(), await send()];
    expect(first.body.id).not.toBe(second.body.id);
    expect((await events.find(orgId, first.body.id))!.headers['idempotency-key']).toBe('provider-1');
  });

  it('ordered: forwards go through the endpoint’s named queue of parallelism 1, made on first use', async () => {
    const { api, id, slug } = await endpoint({ ordered: true, forward: [{ url: 'https://example.com/o' }] });
    const first = await gw.http().post(`/in/${slug}`).send({ n: 1 }).expect(202);
    await gw.http().post(`/in/${slug}`).send({ n: 2 }).expect(202);
    const queue = await api.get(`/v1/queues/inbound-${id}`).expect(200);
    expect(queue.body).toMatchObject({ parallelism: 1, stats: { queued: 2 } });
    const [forward] = (await api.get(`/v1/events/${first.body.id}`).expect(200)).body.forwards;
    expect((await api.get(`/v1/tasks/${forward.taskId}`).expect(200)).body.queue).toBe(`inbound-${id}`);
  });

  it('a key without the admin scope sees received credentials and forward URL userinfo masked', async () => {
    const org = await gw.newOrg();
    const limited = (
      await gw
        .admin(gw.http().post(`/v1/admin/orgs/${org.orgId}/api-keys`))
        .send({ scopes: ['read', 'write'] })
        .expect(201)
    ).body.key as string;
    const api = gw.as(limited);
    const created = await api
      .post('/v1/endpoints', { name: 'm', forward: [{ url: 'https://user:pass@example.com/f' }] })
      .expect(201);
    expect(created.body.forward[0].url).not.toContain('pass');
    const sent = await gw
      .http()
      .post(`/in/${created.body.slug}`)
      .set('authorization', 'Bearer provider-secret')
      .send({})
      .expect(202);
    const seen = await api.get(`/v1/events/${sent.body.id}`).expect(200);
    expect(JSON.stringify(seen.body)).not.toContain('provider-secret');
    const admin = await gw.as(org.key).get(`/v1/events/${sent.body.id}`).expect(200);
    expect(admin.body.headers.authorization).toBe('Bearer provider-secret');
  });

  it('a rotated slug: the old URL is 404 at once', async () => {
    const { api, id, slug } = await endpoint();
    await api.post(`/v1/endpoints/${id}/rotate-url`).expect(200);
    expect((await gw.http().post(`/in/${slug}`).send({}).expect(404)).body.code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('events API: list with filters, get with forwards and task status, replay (to a forward added later), 404 across orgs', async () => {
    const { api, id, slug } = await endpoint({
      verify: { provider: 'github', secrets: [GITHUB_SECRET] },
      forward: [{ url: 'https://example.com/a', filter: { 'headers.x-github-event': ['push'] } }],
    });
    const post = (event: string, delivery: string, secret = GITHUB_SECRET) =>
      gw
        .http()
        .post(`/in/${slug}?q=1`)
        .set('content-type', 'application/json')
        .set('x-github-event', event)
        .set('x-github-delivery', delivery)
        .set('x-hub-signature-256', github('{"n":1}', secret))
        .send('{"n":1}');
    const push = (await post('push', 'p-1').expect(202)).body.id as string;
    const issue = (await post('issues', 'i-1').expect(202)).body.id as string;
    await post('push', 'f-1', 'forged').expect(401);

    const got = await api.get(`/v1/events/${push}`).expect(200);
    expect(got.body).toMatchObject({
      id: push,
      endpointId: id,
      method: 'POST',
      path: `/in/${slug}`,
      query: { q: '1' },
      body: '{"n":1}',
      bodyEncoding: 'utf8',
      verified: true,
      rejection: null,
      status: 'forwarded',
    });
    expect(got.body.forwards).toEqual([
      { forwardId: expect.any(String), taskId: expect.any(String), status: 'queued' },
    ]);
    const task = await api.get(`/v1/tasks/${got.body.forwards[0].taskId}`).expect(200);
    expect(task.body.request.headers).toMatchObject({
      'content-type': 'application/json',
      'x-github-event': 'push',
      'hourglass-event-id': push,
      'hourglass-endpoint-id': id,
    });
    expect(task.body.request.body).toBe('{"n":1}');
    expect((await api.get(`/v1/events/${issue}`).expect(200)).body).toMatchObject({ status: 'stored', forwards: [] });

    const list = async (query: string) =>
      (await api.get(`/v1/endpoints/${id}/events${query}`).expect(200)).body.data.map((e: { id: string }) => e.id);
    expect(await list('')).toHaveLength(3);
    expect(await list('?verified=true')).toEqual([issue, push]);
    expect(await list('?status=rejected')).toHaveLength(1);
    expect(await list(`?receivedAfter=${new Date(Date.now() + 60_000).toISOString()}`)).toEqual([]);

    // a forward added after the event arrived gets it by name; the first forward's filter still holds by default
    const added = await api
      .patch(`/v1/endpoints/${id}`, {
        forward: [
          { id: got.body.forwards[0].forwardId, url: 'https://example.com/a' },
          { url: 'https://example.com/b' },
        ],
      })
      .expect(200);
    const later = added.body.forward[1].id as string;
    const replayed = await api.post(`/v1/events/${issue}/replay`, { forwardIds: [later] }).expect(201);
    expect(replayed.body.data).toHaveLength(1);
    expect(replayed.body.data[0].request.url).toBe('https://example.com/b');
    expect((await api.get(`/v1/events/${issue}`).expect(200)).body.forwards).toEqual([
      { forwardId: later, taskId: replayed.body.data[0].id, status: 'queued' },
    ]);
    expect((await api.post(`/v1/events/${push}/replay`).expect(201)).body.data).toHaveLength(2);
    const rejected = (await list('?status=rejected'))[0];
    expect((await api.post(`/v1/events/${rejected}/replay`).expect(409)).body.code).toBe('CONFLICT');
    const unknownForward = await api.post(`/v1/events/${push}/replay`, { forwardIds: [issue] }).expect(400);
    expect(unknownForward.body.errors[0].field).toBe('forwardIds[0]');

    const bulk = (body: object) => api.post(`/v1/endpoints/${id}/events/replay`, body).expect(200);
    expect((await bulk({ dryRun: true })).body).toEqual({ matched: 2, affected: 0 });
    expect((await bulk({ filter: { status: 'stored' } })).body).toEqual({ matched: 1, affected: 1 });
    // the issue event now matches no filter-free forward but the added one: a new task for it
    expect((await api.get(`/v1/events/${issue}`).expect(200)).body.forwards).toHaveLength(3);

    const other = gw.as((await gw.newOrg()).key);
    await other.post(`/v1/endpoints/${id}/events/replay`, { dryRun: true }).expect(404);
    expect((await other.get(`/v1/events/${push}`).expect(404)).body.code).toBe('EVENT_NOT_FOUND');
    await other.post(`/v1/events/${push}/replay`).expect(404);
    expect((await other.get(`/v1/endpoints/${id}/events`).expect(404)).body.code).toBe('ENDPOINT_NOT_FOUND');
  });

  it('over the endpoint’s rate: 429 with Retry-After, nothing stored', async () => {
    const { id, slug } = await endpoint({ rateLimit: { count: 3, per: 'minute' } });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await gw.http().post(`/in/${slug}`).send({ i }));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 429, 429]);
    expect(answers[3]!.body.code).toBe('RATE_LIMITED');
    expect(Number(answers[3]!.headers['retry-after'])).toBeGreaterThan(0);
    const [{ n }] = await db.query('SELECT count(*)::int AS n FROM inbound_events WHERE endpoint_id = $1', [id]);
    expect(n).toBe(3);
  });
});
