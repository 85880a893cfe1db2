import { KeyRing } from '@hourglass/crypto';
import {
  createTestDatabase,
  startHttpSink,
  startService,
  type HttpSink,
  type RunningService,
  type TestDatabase,
  until,
  waitFor,
  withClient,
} from '@hourglass/testing';
import { type ApiClient, newOrgClient, serviceEnv } from './api-client.js';

const SLOW = 180_000;
const ORGS = 4;
const TASKS_PER_ORG = 500;

/**
 * Master-key rotation under delivery load: the fleet first learns the new version (`v1,v2`), then
 * the scheduler and dispatcher restart with it first (`v2,v1`) while tasks are being delivered;
 * the scheduler's leader re-wraps every data key in batches. Every task succeeds, none is dropped,
 * and the gauge ends with every key under v2.
 */
describe('system: master-key rotation while tasks are delivered', () => {
  let database: TestDatabase;
  let sink: HttpSink;
  const services: RunningService[] = [];
  const [v1, v2] = [KeyRing.generateSpec('v1'), KeyRing.generateSpec('v2')];

  beforeAll(async () => {
    database = await createTestDatabase();
    sink = await startHttpSink();
  }, SLOW);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.kill('SIGKILL')));
    await sink.close();
    await database.drop();
  }, SLOW);

  const metric = async (service: RunningService, pattern: RegExp) =>
    Number(pattern.exec(await (await fetch(`${service.url}/metrics`)).text())?.[1] ?? 0);

  it(
    'loses no task and opens every value while the data keys move to the new master version',
    async () => {
      const { adminToken, env } = serviceEnv(database.url, { RETENTION_BATCH_SIZE: '1' });
      const learned = { ...env, HOURGLASS_MASTER_KEYS: `${v1},${v2}` };
      const start = async (name: RunningService['name'], keys: Record<string, string>) => {
        const service = await startService(name, keys);
        services.push(service);
        return service;
      };
      const [gateway, scheduler, dispatcher] = await Promise.all([
        start('api-gateway', learned),
        start('scheduler', learned),
        start('dispatcher', learned),
      ]);
      const clients: ApiClient[] = [];
      for (let i = 0; i < ORGS; i++) clients.push((await newOrgClient(gateway.url, adminToken, { name: `o${i}` })).api);
      const createAll = () =>
        Promise.all(
          clients.map((api) =>
            api.expect(201, 'POST', '/v1/tasks/batch', {
              tasks: Array.from({ length: TASKS_PER_ORG / 2 }, (_, n) => ({
                request: { url: `${sink.url}/t`, headers: { 'x-n': String(n) }, body: `{"n":${n}}` },
                // Generous: on a loaded machine a 1 s timeout sent tasks into retry backoff past the wait.
                timeoutMs: 10_000,
              })),
            }),
          ),
        );
      await createAll();

      // Rotate: the services that re-wrap and deliver restart with v2 first, mid-delivery.
      const rotated = { ...env, HOURGLASS_MASTER_KEYS: `${v2},${v1}` };
      // The scheduler is killed (the next leader re-wraps); the dispatcher drains, as in a rolling deploy.
      await Promise.all([scheduler!.kill('SIGKILL'), dispatcher!.kill('SIGTERM')]);
      const [newScheduler, newDispatcher] = await Promise.all([
        start('scheduler', rotated),
        start('dispatcher', rotated),
      ]);
      await createAll();
      await until(
        async () => (await metric(newScheduler, /hourglass_data_keys\{[^}]*master_version="v2"[^}]*\} (\d+)/)) === ORGS,
        {
          timeoutMs: 60_000,
          what: 'every data key re-wrapped under v2',
        },
      );
      expect(await metric(newScheduler, /hourglass_data_keys\{[^}]*master_version="v1"[^}]*\} (\d+)/)).toBe(0);

      const total = ORGS * TASKS_PER_ORG;
      const statuses = () =>
        withClient(database.url, async (client) => {
          const { rows } = await client.query<{ status: string; n: number }>(
            'SELECT status, count(*)::int AS n FROM tasks GROUP BY status',
          );
          return Object.fromEntries(rows.map((row) => [row.status, row.n]));
        });
      // The counts by status are what a timeout reports.
      await waitFor(statuses, (counts) => counts.succeeded === total, {
        timeoutMs: 120_000,
        intervalMs: 250,
        what: `${total} tasks succeeded`,
      });
      expect(await statuses()).toEqual({ succeeded: total });
      expect(new Set(sink.requests.filter((r) => r.path === '/t').map((r) => r.headers['webhook-id'])).size).toBe(
        total,
      );
      expect(await metric(newDispatcher, /hourglass_dispatcher_dropped_total\{[^}]*\} (\d+)/)).toBe(0);
      const bodies = new Set(sink.requests.filter((r) => r.path === '/t').map((r) => r.body));
      expect(bodies.size).toBe(TASKS_PER_ORG / 2);
    },
    SLOW,
  );
});
