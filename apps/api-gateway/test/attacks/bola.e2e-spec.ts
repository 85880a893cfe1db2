import { newId } from '@hourglass/db';
import { ADMIN_TOKEN, startGateway, type Gateway } from '../harness.js';
import { type Exchange, OpenApiContract } from '../openapi-contract.js';
import { idsFor, seedOrg, type SeededOrg, validBody } from './fixtures.js';
import { type Operation, operationsOf, pathWith, resourceOf } from './operations.js';

/** Changes with every authenticated call of the org's own key: not something org B did. */
const VOLATILE = new Set(['lastUsedAt']);

function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !VOLATILE.has(key))
      .map(([key, v]) => [key, withoutVolatile(v)]),
  );
}

function expectProblem(exchange: Exchange, statuses: number[], where: string): void {
  if (!statuses.includes(exchange.status) || !exchange.headers['content-type']?.startsWith('application/problem+json'))
    throw new Error(
      `${where}: expected ${statuses.join('/')} problem+json, got ${exchange.status} ${JSON.stringify(exchange.body)}`,
    );
  expect(exchange.body.code).toMatch(/^[A-Z][A-Z_]+$/);
}

/**
 * Tenant isolation, generated from the live /openapi.json: every operation with a path id, called with
 * org B's admin-scope key on each of org A's ids, is a 404 (an admin-token route: 401, B's key is not the
 * token), and org A reads the same afterwards. A route whose resource has no fixture fails the suite.
 */
describe('attacks: BOLA, generated from /openapi.json', () => {
  let gw: Gateway;
  let contract: OpenApiContract;
  let operations: Operation[];
  let a: SeededOrg;
  let b: SeededOrg;
  beforeAll(async () => {
    gw = await startGateway();
    contract = await OpenApiContract.load(gw);
    operations = operationsOf(contract);
    a = await seedOrg(gw, contract);
    b = await seedOrg(gw, contract);
  });
  afterAll(() => gw.close());

  const withIds = () => operations.filter((op) => op.pathParams.length > 0);
  const lists = () => operations.filter((op) => op.method === 'get' && op.pathParams.length === 0);

  /** Everything org A can read about itself: every GET, on every one of its ids. */
  async function snapshotOf(org: SeededOrg): Promise<Record<string, unknown>> {
    const snapshot: Record<string, unknown> = {};
    for (const op of operations.filter((o) => o.method === 'get' && !o.admin)) {
      const paths =
        op.pathParams.length === 0
          ? [op.template]
          : idsFor(org, resourceOf(op.template)).map((id) => pathWith(op.template, id));
      for (const path of paths)
        snapshot[path] = withoutVolatile((await contract.expect(200, 'get', path, { token: org.key })).body);
    }
    return snapshot;
  }

  it("every id route answers org B's key on org A's ids with 404 problem+json, and org A is unchanged", async () => {
    const before = await snapshotOf(a);
    let requests = 0;
    for (const op of withIds()) {
      for (const id of idsFor(a, resourceOf(op.template))) {
        const path = pathWith(op.template, id);
        const res = await contract.call(op.method, path, { token: b.key, body: validBody(op) });
        requests++;
        expectProblem(res, op.admin ? [401] : [404], `${op.name} with org B's key on ${id}`);
      }
    }
    expect(await snapshotOf(a)).toEqual(before);
    expect(withIds().length).toBeGreaterThanOrEqual(26);
    console.info(`BOLA: ${withIds().length} id routes, ${requests} cross-org requests, all refused`);
  });

  it("lists never show org A's ids or names to org B, not even filtered by org A's queue", async () => {
    const markers = Object.values(a.ids).flat();
    const queue = idsFor(a, '/v1/queues/{name}')[0]!;
    for (const op of lists()) {
      const filtered = op.queryParams.some((p) => p.name === 'queue') ? [`?queue=${queue}`] : [];
      for (const query of ['', ...filtered]) {
        const res = await contract.call('get', op.template + query, { token: b.key });
        expect({ op: op.name, query, status: res.status }).toEqual({ op: op.name, query, status: 200 });
        const text = JSON.stringify(res.body);
        for (const marker of markers)
          if (text.includes(marker)) throw new Error(`${op.name} shows org B ${marker} of org A`);
      }
    }
  });

  it('unknown and malformed ids are 404 or 400, never a 500, on every id route (admin token included)', async () => {
    const otherKinds = Object.values(a.ids).flat();
    const hostile = [
      newId(),
      '0',
      '-1',
      'null',
      'a'.repeat(64),
      'ü',
      "' or 1=1 --",
      '%',
      ' ',
      '00000000-0000-0000-0000-000000000000',
    ];
    let requests = 0;
    for (const op of withIds()) {
      const own = new Set([a, b].flatMap((org) => idsFor(org, resourceOf(op.template))));
      for (const id of [...hostile, ...otherKinds].filter((i) => !own.has(i))) {
        const res = await contract.call(op.method, pathWith(op.template, id), {
          token: op.admin ? ADMIN_TOKEN : b.key,
          body: validBody(op),
        });
        requests++;
        expectProblem(res, [400, 404], `${op.name} on ${JSON.stringify(id)}`);
      }
    }
    expect(requests).toBeGreaterThan(withIds().length * hostile.length);
    console.info(`BOLA: ${requests} requests with unknown, malformed or other-kind ids, none a 500`);
  });
});
