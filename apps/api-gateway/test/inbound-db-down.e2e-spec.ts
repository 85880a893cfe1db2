import { createServer, type Server, type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTestDatabase, type TestDatabase } from '@hourglass/testing';
import { DataSource } from 'typeorm';
import { startGateway, type Gateway } from './harness.js';

/**
 * The database goes away under the ingest: /in/<slug> must answer 503 with Retry-After (a provider
 * retries), never a 4xx (which tells it to give up). The gateway reaches PostgreSQL through a local
 * TCP relay this test cuts, as a network partition or a database restart would.
 */
describe('inbound ingest with the database down', () => {
  let database: TestDatabase;
  let relay: Server;
  let gw: Gateway;
  const sockets = new Set<Socket>();
  let up = true;

  beforeAll(async () => {
    database = await createTestDatabase();
    const target = new URL(database.url);
    relay = createServer((client) => {
      if (!up) return void client.destroy();
      const server = connect(Number(target.port || 5432), target.hostname);
      for (const socket of [client, server]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(server).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayed = new URL(database.url);
    relayed.host = `127.0.0.1:${(relay.address() as AddressInfo).port}`;
    gw = await startGateway({ DATABASE_URL: relayed.toString() });
  });
  afterAll(async () => {
    up = true;
    await gw.close();
    await new Promise((resolve) => relay.close(resolve));
    await database.drop();
  });

  it('answers 503 UNAVAILABLE with Retry-After while the database is unreachable, and 202 again after', async () => {
    const { key } = await gw.newOrg();
    const { slug } = (await gw.as(key).post('/v1/endpoints', { name: 'e' }).expect(201)).body;
    await gw.http().post(`/in/${slug}`).send({ n: 1 }).expect(202);
    up = false;
    for (const socket of sockets) socket.destroy();
    for (let i = 0; i < 3; i++) {
      const res = await gw.http().post(`/in/${slug}`).send({ n: 2 });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.body.code).toBe('UNAVAILABLE');
    }
    up = true;
    await gw.http().post(`/in/${slug}`).send({ n: 3 }).expect(202);
  });

  it('answers 503 with Retry-After, on /in and on the API, when PostgreSQL raises 55000 (as during recovery)', async () => {
    const { key } = await gw.newOrg();
    const { slug } = (await gw.as(key).post('/v1/endpoints', { name: 'e' }).expect(201)).body;
    await gw.http().post(`/in/${slug}`).send({ n: 1 }).expect(202);
    const db = gw.app.get(DataSource);
    // A real server error, raised by PostgreSQL itself on the writes both paths make.
    await db.query(`CREATE FUNCTION not_ready() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'not in prerequisite state' USING ERRCODE = '55000'; END $$`);
    await db.query('CREATE TRIGGER not_ready BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION not_ready()');
    await db.query(
      'CREATE TRIGGER not_ready BEFORE INSERT ON inbound_events FOR EACH ROW EXECUTE FUNCTION not_ready()',
    );
    try {
      const task = { request: { url: 'https://example.com/t' } };
      for (const res of [
        await gw.http().post(`/in/${slug}`).send({ n: 2 }),
        await gw.as(key).post('/v1/tasks', task),
      ]) {
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body.code).toBe('UNAVAILABLE');
      }
    } finally {
      await db.query('DROP TRIGGER not_ready ON tasks; DROP TRIGGER not_ready ON inbound_events');
      await db.query('DROP FUNCTION not_ready()');
    }
    await gw.http().post(`/in/${slug}`).send({ n: 3 }).expect(202);
  });
});
