import { DataSource } from 'typeorm';
import { createDataSource } from '@hourglass/db';
import { DEFAULT_PLANS } from '@hourglass/domain';
import {
  createTestDatabase,
  startService,
  type RunningService,
  type TestDatabase,
  testMasterKeys,
} from '@hourglass/testing';
import { newOrgClient, serviceEnv } from '../system/api-client.js';

const REQUESTS = Number(process.env.FAULT_INBOUND_REQUESTS ?? 5_000);
const CONCURRENCY = 50;
const SLOW = 180_000;

/**
 * The api-gateway is SIGKILLed in the middle of a burst of inbound requests. Every request the
 * client saw acknowledged (2xx) must exist as a stored event with its forward task; a request that
 * was not acknowledged may or may not be there (a provider retries it).
 */
describe('fault: the ingest killed with SIGKILL during a burst', () => {
  let database: TestDatabase;
  let db: DataSource;
  let gateway: RunningService;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await createDataSource({ url: database.url, poolMax: 2, masterKeys: testMasterKeys() }).initialize();
  }, SLOW);

  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await db.destroy();
    await database.drop();
  }, SLOW);

  it(
    'loses no acknowledged request',
    async () => {
      const open = { ...DEFAULT_PLANS.pro!, rateLimitPerKey: 0, rateLimitPerOrg: 0, tasksPerMonth: 100_000_000 };
      const { adminToken, env } = serviceEnv(database.url, { HOURGLASS_PLANS: JSON.stringify({ open }) });
      gateway = await startService('api-gateway', env);
      const { api } = await newOrgClient(gateway.url, adminToken, { name: 'kill', plan: 'open' });
      const endpoint = await api.expect<{ id: string; slug: string }>(201, 'POST', '/v1/endpoints', {
        name: 'burst',
        forward: [{ url: 'https://example.com/forward' }],
      });
      const acked: string[] = [];
      let sent = 0;
      let failed = 0;
      const killAt = Math.floor(REQUESTS / 2);
      const worker = async () => {
        while (sent < REQUESTS) {
          const n = sent++;
          if (n === killAt) void gateway.kill('SIGKILL');
          try {
            const res = await fetch(`${gateway.url}/in/${endpoint.slug}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ n, pad: 'x'.repeat(2000) }),
            });
            const body = (await res.json()) as { id?: string };
            if (res.status === 202 && body.id) acked.push(body.id);
            else failed++;
          } catch {
            failed++;
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      console.info(`inbound kill: ${sent} sent, ${acked.length} acknowledged, ${failed} not`);
      expect(acked.length).toBeGreaterThan(0);
      expect(failed).toBeGreaterThan(0);
      const stored: { id: string; forwards: number }[] = await db.query(
        `SELECT e.id, (SELECT count(*)::int FROM inbound_event_forwards f JOIN tasks t ON t.id = f.task_id
                        WHERE f.event_id = e.id) AS forwards
           FROM inbound_events e WHERE e.id = ANY($1::uuid[])`,
        [acked],
      );
      expect(stored.length).toBe(acked.length);
      expect(stored.filter((row) => row.forwards !== 1)).toEqual([]);
    },
    SLOW,
  );
});
