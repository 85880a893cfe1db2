import { startGateway, type Gateway } from './harness.js';

describe('credential masking in task and schedule responses', () => {
  let gw: Gateway;
  /** One org's keys: all scopes (admin), read + write, read only. */
  let admin: string;
  let rw: string;
  let ro: string;
  beforeAll(async () => {
    gw = await startGateway();
    ({ key: admin } = await gw.newOrg());
    const mint = async (scopes: string[]) =>
      (await as(admin, gw.http().post('/v1/api-keys')).send({ scopes }).expect(201)).body.key as string;
    rw = await mint(['read', 'write']);
    ro = await mint(['read']);
  });
  afterAll(() => gw.close());

  const as = <T extends { set: (k: string, v: string) => T }>(key: string, req: T) =>
    req.set('authorization', `Bearer ${key}`);
  const request = {
    url: 'https://user:pa55@example.com/hook?x=1',
    method: 'POST',
    headers: {
      Authorization: 'Bearer target-token',
      'x-hub-token': 'hub',
      'x-signing-secret': 's3',
      cookie: 'sid=1',
      'content-type': 'application/json',
    },
    body: '{}',
  };
  const masked = {
    url: 'https://***@example.com/hook?x=1',
    method: 'POST',
    headers: {
      Authorization: '***',
      'x-hub-token': '***',
      'x-signing-secret': '***',
      cookie: '***',
      'content-type': 'application/json',
    },
    body: '{}',
  };
  const task = { request, delay: '1h', callbackUrl: 'https://cb:secret@example.com/done' };

  it('masks for keys without admin, shows admin keys the values verbatim, and replays per replaying key', async () => {
    const post = (key: string) =>
      as(key, gw.http().post('/v1/tasks')).set('idempotency-key', 'masked-create').send(task).expect(201);
    const created = await post(rw);
    expect(created.body.request).toEqual(masked);
    expect(created.body.callbackUrl).toBe('https://***@example.com/done');
    // The stored reply kept every value: replayed to an admin key it is verbatim, to rw masked again.
    const replayedToAdmin = await post(admin);
    expect(replayedToAdmin.headers['idempotent-replayed']).toBe('true');
    expect(replayedToAdmin.body.request).toEqual(request);
    expect(replayedToAdmin.body.callbackUrl).toBe(task.callbackUrl);
    const replayedToRw = await post(rw);
    expect(replayedToRw.headers['idempotent-replayed']).toBe('true');
    expect(replayedToRw.body.request).toEqual(masked);

    const id = created.body.id as string;
    expect((await as(ro, gw.http().get(`/v1/tasks/${id}`)).expect(200)).body.request).toEqual(masked);
    const list = await as(ro, gw.http().get('/v1/tasks')).expect(200);
    expect(list.body.data.find((t: { id: string }) => t.id === id).request).toEqual(masked);
    expect((await as(admin, gw.http().get(`/v1/tasks/${id}`)).expect(200)).body.request).toEqual(request);

    const batch = await as(rw, gw.http().post('/v1/tasks/batch'))
      .send({ tasks: [task] })
      .expect(201);
    expect(batch.body.data[0].request).toEqual(masked);
  });

  it('masks schedules the same way', async () => {
    const created = await as(rw, gw.http().post('/v1/schedules'))
      .send({ name: 'masked', interval: '1h', request })
      .expect(201);
    expect(created.body.request).toEqual(masked);
    const id = created.body.id as string;
    expect((await as(ro, gw.http().get(`/v1/schedules/${id}`)).expect(200)).body.request).toEqual(masked);
    const list = await as(ro, gw.http().get('/v1/schedules')).expect(200);
    expect(list.body.data[0].request).toEqual(masked);
    expect((await as(admin, gw.http().get(`/v1/schedules/${id}`)).expect(200)).body.request).toEqual(request);
    const renamed = await as(rw, gw.http().patch(`/v1/schedules/${id}`))
      .send({ name: 'renamed' })
      .expect(200);
    expect(renamed.body.request).toEqual(masked);
    // The history holds every version of the schedule: masked like the schedule itself.
    const history = await as(ro, gw.http().get(`/v1/schedules/${id}/history`)).expect(200);
    expect(history.body.data.map((v: { schedule: { request: unknown } }) => v.schedule.request)).toEqual([
      masked,
      masked,
    ]);
    const adminHistory = await as(admin, gw.http().get(`/v1/schedules/${id}/history`)).expect(200);
    expect(adminHistory.body.data[0].schedule.request).toEqual(request);
  });

  it('refuses a masked value sent back (400 naming the field) and keeps the stored one', async () => {
    const created = await as(rw, gw.http().post('/v1/tasks')).send(task).expect(201);
    const id = created.body.id as string;
    const read = (await as(rw, gw.http().get(`/v1/tasks/${id}`)).expect(200)).body;
    for (const [body, field] of [
      [{ request: { headers: read.request.headers } }, 'request.headers'],
      [{ request: { url: read.request.url } }, 'request.url'],
    ] as const) {
      const res = await as(rw, gw.http().patch(`/v1/tasks/${id}`))
        .send(body)
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors).toEqual([expect.objectContaining({ field, message: expect.stringContaining('***') })]);
    }
    const schedule = await as(rw, gw.http().post('/v1/schedules'))
      .send({ name: 'round-trip', interval: '1h', request: { ...request, headers: { 'X-Api-Key': '***' } } })
      .expect(400);
    expect(schedule.body.errors[0].field).toBe('request.headers');
    // An edit that leaves the headers out keeps them, and is still masked in its reply.
    const edited = await as(rw, gw.http().patch(`/v1/tasks/${id}`))
      .send({ priority: 3 })
      .expect(200);
    expect(edited.body.request).toEqual(masked);
    expect((await as(admin, gw.http().get(`/v1/tasks/${id}`)).expect(200)).body.request).toEqual(request);
  });
});
