import { startGateway, type Gateway } from './harness.js';

describe('task lists', () => {
  let gw: Gateway;
  let auth: string;
  const ids: string[] = [];
  beforeAll(async () => {
    gw = await startGateway();
    auth = `Bearer ${(await gw.newOrg()).key}`;
    for (let i = 0; i < 25; i++) {
      const res = await gw
        .http()
        .post('/v1/tasks')
        .set('authorization', auth)
        .send({
          request: { url: `https://example.com/${i}` },
          labels: { parity: i % 2 ? 'odd' : 'even' },
          ...(i < 5 ? { delay: '1h' } : {}),
        })
        .expect(201);
      ids.push(res.body.id);
    }
  });
  afterAll(() => gw.close());

  it('pages 25 tasks 10 at a time, newest first, without duplicates', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { data: { id: string }[]; nextCursor: string | null } } = await gw
        .http()
        .get(`/v1/tasks?limit=10${cursor ? `&cursor=${cursor}` : ''}`)
        .set('authorization', auth)
        .expect(200);
      seen.push(...res.body.data.map((t: { id: string }) => t.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it('defaults to 20 per page', async () => {
    const res = await gw.http().get('/v1/tasks').set('authorization', auth).expect(200);
    expect(res.body.data).toHaveLength(20);
    expect(res.body.nextCursor).toEqual(expect.any(String));
  });

  it('filters by status and by label', async () => {
    const scheduled = await gw
      .http()
      .get('/v1/tasks?status=scheduled&limit=100')
      .set('authorization', auth)
      .expect(200);
    expect(scheduled.body.data.map((t: { id: string }) => t.id).sort()).toEqual(ids.slice(0, 5).sort());
    const odd = await gw.http().get('/v1/tasks?label=parity:odd&limit=100').set('authorization', auth).expect(200);
    expect(odd.body.data).toHaveLength(12);
    expect(odd.body.data.every((t: { labels: { parity: string } }) => t.labels.parity === 'odd')).toBe(true);
  });

  it('filters by creation time', async () => {
    const future = await gw
      .http()
      .get(`/v1/tasks?createdAfter=${new Date(Date.now() + 60_000).toISOString()}`)
      .set('authorization', auth)
      .expect(200);
    expect(future.body.data).toEqual([]);
    const past = await gw
      .http()
      .get(`/v1/tasks?createdBefore=${new Date(Date.now() + 60_000).toISOString()}&limit=100`)
      .set('authorization', auth)
      .expect(200);
    expect(past.body.data).toHaveLength(25);
  });

  it('rejects a cursor it did not issue', async () => {
    const res = await gw.http().get('/v1/tasks?cursor=garbage').set('authorization', auth).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });
});
