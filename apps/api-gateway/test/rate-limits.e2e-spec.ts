import { DEFAULT_PLANS, parsePlans } from '@hourglass/domain';
import { withClient } from '@hourglass/testing';
import { startGateway, type Gateway } from './harness.js';

const WINDOW_SECONDS = 2;
const TIGHT = {
  ...DEFAULT_PLANS.free!,
  rateLimitPerKey: 3,
  rateLimitPerOrg: 5,
  rateLimitWindowSeconds: WINDOW_SECONDS,
};

/** Waits for a fresh window, so a burst of a few requests does not straddle two. */
const nextWindow = () =>
  new Promise((resolve) => setTimeout(resolve, WINDOW_SECONDS * 1_000 - (Date.now() % (WINDOW_SECONDS * 1_000)) + 20));

describe('API rate limits', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_PLANS: JSON.stringify({ tight: TIGHT }) });
  });
  afterAll(() => gw.close());

  /** An org on the tight plan with two keys. */
  const tightOrg = async () => {
    const { orgId, key } = await gw.newOrg();
    await gw
      .admin(gw.http().patch(`/v1/admin/orgs/${orgId}`))
      .send({ plan: 'tight' })
      .expect(200);
    const second = await gw
      .admin(gw.http().post(`/v1/admin/orgs/${orgId}/api-keys`))
      .send({})
      .expect(201);
    return { orgId, keys: [key, second.body.key as string] };
  };
  const get = (key: string) => gw.http().get('/v1/queues').set('authorization', `Bearer ${key}`);

  it('advertises the policies on every response, counts down, then refuses with 429 and Retry-After', async () => {
    const { keys } = await tightOrg();
    await nextWindow();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await get(keys[0]!));
    expect(answers.map((res) => res.status)).toEqual([200, 200, 200, 429]);
    for (const res of answers) {
      expect(res.headers['ratelimit-policy']).toBe(`"key";q=3;w=${WINDOW_SECONDS}, "org";q=5;w=${WINDOW_SECONDS}`);
    }
    const remaining = answers.slice(0, 3).map((res) => /"key";r=(\d+);t=(\d+)/.exec(res.headers['ratelimit'])!);
    expect(remaining.map((match) => Number(match[1]))).toEqual([2, 1, 0]);
    for (const match of remaining) expect(Number(match[2])).toBeGreaterThanOrEqual(1);
    const refused = answers[3]!;
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(refused.headers['ratelimit']).toMatch(/^"key";r=0;t=\d+, "org";r=\d+;t=\d+$/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1_000));
    await get(keys[0]!).expect(200);
  });

  it("limits each key and the org's keys together, and another org not at all", async () => {
    const { keys } = await tightOrg();
    const other = await tightOrg();
    await nextWindow();
    const statuses = async (key: string, n: number) => {
      const got = [];
      for (let i = 0; i < n; i++) got.push((await get(key)).status);
      return got;
    };
    expect(await statuses(keys[0]!, 4)).toEqual([200, 200, 200, 429]);
    // The org's limit of 5 leaves the second key 2; its refusal names the org's policy.
    expect(await statuses(keys[1]!, 2)).toEqual([200, 200]);
    const byOrg = await get(keys[1]!).expect(429);
    expect(byOrg.headers['ratelimit']).toMatch(/"org";r=0;t=\d+$/);
    expect(byOrg.body.detail).toMatch(/organization/);
    expect(await statuses(other.keys[0]!, 3)).toEqual([200, 200, 200]);
  });

  it('leaves public routes, the admin token and unauthenticated requests unlimited and unlabelled', async () => {
    const health = await gw.http().get('/healthz').expect(200);
    expect(health.headers['ratelimit-policy']).toBeUndefined();
    const admin = await gw.admin(gw.http().post('/v1/admin/orgs')).send({ name: 'a' }).expect(201);
    expect(admin.headers['ratelimit']).toBeUndefined();
    const anonymous = await gw.http().get('/v1/queues').expect(401);
    expect(anonymous.headers['ratelimit']).toBeUndefined();
  });

  it('declares the fields and the 429 in /openapi.json on API-key routes only', async () => {
    const { paths } = (await gw.http().get('/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;
    };
    const responses = paths['/v1/queues']!.get!.responses;
    expect(Object.keys(responses['200']!.headers ?? {})).toEqual(['RateLimit-Policy', 'RateLimit']);
    expect(Object.keys(responses['429']!.headers ?? {})).toContain('Retry-After');
    expect(responses['401']!.headers).toBeUndefined();
    expect(paths['/v1/admin/orgs']!.post!.responses['429']).toBeUndefined();
  });

  it('admits unchecked, without the fields, when the counters do not answer within a second (no 500, no hang)', async () => {
    const { keys } = await tightOrg();
    await get(keys[0]!).expect(200); // the plan is cached; only the counters are blocked below
    await nextWindow();
    await withClient(gw.db.url, async (client) => {
      await client.query('BEGIN');
      await client.query('LOCK TABLE rate_limit_windows IN ACCESS EXCLUSIVE MODE');
      try {
        const started = Date.now();
        const res = await get(keys[0]!).expect(200);
        expect(Date.now() - started).toBeLessThan(1_900);
        expect(res.headers['ratelimit']).toBeUndefined();
      } finally {
        await client.query('ROLLBACK');
      }
    });
  });

  it('puts the limits in the org view, and a plan without them gets the free limits', async () => {
    const { keys } = await tightOrg();
    const me = await get(keys[0]!).expect(200);
    expect(me.headers['ratelimit-policy']).toContain('q=3');
    const org = await gw.http().get('/v1/org').set('authorization', `Bearer ${keys[1]!}`).expect(200);
    expect(org.body.quotas).toMatchObject({ rateLimitPerKey: 3, rateLimitPerOrg: 5, rateLimitWindowSeconds: 2 });
    const { tier, minScheduleIntervalMs, maxSchedules, tasksPerMonth, retentionDays } = TIGHT;
    const older = { tier, minScheduleIntervalMs, maxSchedules, tasksPerMonth, retentionDays };
    // Omitted rate limits are free's; an omitted audit retention is a year (docs/decisions/0016); an omitted
    // monitor limit stays unset (the plan's maxSchedules applies).
    expect(parsePlans(JSON.stringify({ older }))['older']).toEqual({
      ...DEFAULT_PLANS.free!,
      auditRetentionDays: 365,
      maxMonitors: undefined,
      ...older,
    });
    expect(() => parsePlans(JSON.stringify({ bad: { ...older, rateLimitWindowSeconds: 0 } }))).toThrow(
      /rateLimitWindowSeconds/,
    );
  });
});
