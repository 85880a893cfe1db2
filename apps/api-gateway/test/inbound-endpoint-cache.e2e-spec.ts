import { DataSource } from 'typeorm';
import { waitFor } from '@hourglass/testing';
import { startGateway, type Gateway } from './harness.js';

/** The ingest's endpoint cache (docs/decisions/0020): two replicas on one database. */
describe('inbound endpoint cache', () => {
  let a: Gateway;
  let b: Gateway;
  beforeAll(async () => {
    a = await startGateway();
    b = await startGateway({ DATABASE_URL: a.db.url });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const endpoint = async () => {
    const org = await a.newOrg();
    const created = await a.as(org.key).post('/v1/endpoints', { name: 'c' }).expect(201);
    return { api: a.as(org.key), id: created.body.id as string, slug: created.body.slug as string };
  };
  const post = (gw: Gateway, slug: string) => gw.http().post(`/in/${slug}`).send({ a: 1 });

  it('a change made on one replica reaches the other’s cache by NOTIFY, well before the 10 s expiry', async () => {
    const { api, id, slug } = await endpoint();
    await post(b, slug).expect(202); // cached on b
    await api.post(`/v1/endpoints/${id}/pause`).expect(200);
    await api.patch(`/v1/endpoints/${id}`, { whilePaused: 'refuse' }).expect(200);
    await waitFor(
      async () => (await post(b, slug)).status,
      (status) => status === 503,
      { timeoutMs: 5_000, what: 'the other replica to refuse the paused endpoint' },
    );
    await api.post(`/v1/endpoints/${id}/rotate-url`).expect(200);
    await waitFor(
      async () => (await post(b, slug)).status,
      (status) => status === 404,
      { timeoutMs: 5_000, what: 'the other replica to forget the rotated slug' },
    );
  });

  it('an endpoint deleted behind the cache’s back is 404, not a 500 (its events’ foreign key)', async () => {
    const { id, slug } = await endpoint();
    await post(b, slug).expect(202);
    // No NOTIFY: as if it were missed.
    await b.app.get(DataSource).query('DELETE FROM inbound_endpoints WHERE id = $1', [id]);
    const gone = await post(b, slug).expect(404);
    expect(gone.body.code).toBe('ENDPOINT_NOT_FOUND');
  });
});
