import { DEFAULT_PLANS } from '@hourglass/domain';
import { createTestDatabase, startService, type RunningService, type TestDatabase } from '@hourglass/testing';
import { ApiClient, newOrgClient, serviceEnv } from './api-client.js';

/**
 * Two api-gateway processes on one database: the rate limits are one budget, not one per replica.
 * Both keys of one org flood both gateways for most of one window; what all of them admitted
 * together stays within each key's and the org's limit (the leases are strict: no slack).
 */
const SLOW = 60_000;
const WINDOW_SECONDS = 4;
const PER_KEY = 40;
const PER_ORG = 60;
const SHARED = { ...DEFAULT_PLANS.free!, rateLimitPerKey: PER_KEY, rateLimitPerOrg: PER_ORG };
const WORKERS_PER_GATEWAY_AND_KEY = 4;

describe('system: API rate limits across two api-gateways', () => {
  let database: TestDatabase;
  const gateways: RunningService[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const { env } = serviceEnv(database.url, {
      HOURGLASS_PLANS: JSON.stringify({ shared: { ...SHARED, rateLimitWindowSeconds: WINDOW_SECONDS } }),
    });
    gateways.push(...(await Promise.all([startService('api-gateway', env), startService('api-gateway', env)])));
    adminToken = env.HOURGLASS_ADMIN_TOKEN!;
  }, SLOW);
  let adminToken: string;

  afterAll(async () => {
    await Promise.all(gateways.map((gateway) => gateway.kill('SIGKILL')));
    await database.drop();
  }, SLOW);

  it(
    "admits at most each key's and the org's limit in one window, however the requests spread over replicas",
    async () => {
      const { org, key } = await newOrgClient(gateways[0]!.url, adminToken, { name: 'flood', plan: 'shared' });
      const admin = new ApiClient(gateways[1]!.url, adminToken);
      const second = await admin.expect<{ key: string }>(201, 'POST', `/v1/admin/orgs/${org.id}/api-keys`, {});
      const keys = [key, second.key];

      // Start at a fresh window and stop well before it ends, so every request falls in the same one.
      const windowMs = WINDOW_SECONDS * 1_000;
      await new Promise((resolve) => setTimeout(resolve, windowMs - (Date.now() % windowMs) + 50));
      const stopAt = Date.now() + windowMs - 1_000;
      const admitted = new Map<string, number>();
      let refused = 0;
      const flood = async (gateway: RunningService, keyIndex: number) => {
        while (Date.now() < stopAt) {
          const res = await fetch(`${gateway.url}/v1/queues`, {
            headers: { authorization: `Bearer ${keys[keyIndex]}` },
          });
          await res.arrayBuffer();
          if (res.status === 200) {
            const at = `${gateway.url} key${keyIndex}`;
            admitted.set(at, (admitted.get(at) ?? 0) + 1);
          } else {
            expect(res.status).toBe(429);
            expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
            refused++;
          }
        }
      };
      await Promise.all(
        gateways.flatMap((gateway) =>
          [0, 1].flatMap((keyIndex) =>
            Array.from({ length: WORKERS_PER_GATEWAY_AND_KEY }, () => flood(gateway, keyIndex)),
          ),
        ),
      );

      const count = (match: string) =>
        [...admitted].filter(([at]) => at.includes(match)).reduce((sum, [, n]) => sum + n, 0);
      const total = count('');
      expect(count('key0')).toBeLessThanOrEqual(PER_KEY);
      expect(count('key1')).toBeLessThanOrEqual(PER_KEY);
      expect(total).toBeLessThanOrEqual(PER_ORG);
      // Both replicas spent the shared budget, and leased slices stranded on one of them cost little of it.
      for (const gateway of gateways) expect(count(gateway.url)).toBeGreaterThan(0);
      expect(total).toBeGreaterThanOrEqual(PER_ORG - 2 * Math.ceil(PER_ORG / 10));
      expect(refused).toBeGreaterThan(0);
    },
    SLOW,
  );
});
