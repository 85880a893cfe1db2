import { Agent, request } from 'undici';
import { freePort } from '@hourglass/db';
import { DEFAULT_PLANS, type Plan } from '@hourglass/domain';
import { startService, waitReady, type Child } from './services.js';

export interface RunningApi {
  child: Child;
  base: string;
  /** An API key with read and write scopes, for an org created through the admin API. */
  key: string;
}

const agent = new Agent({ keepAliveTimeout: 30_000 });

export async function postJson<T>(url: string, token: string, body: unknown): Promise<T> {
  const res = await request(url, {
    dispatcher: agent,
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`POST ${url} → ${res.statusCode}: ${text}`);
  return JSON.parse(text) as T;
}

/**
 * The bench's org is on `free`, whose API rate limit (100 a second per key) would throttle the
 * load and whose monthly quota (100,000 tasks) a fast (e) run uses up in seconds: the quota is
 * raised out of reach and the limits far above any bench rate, or set by BENCH_RATE_LIMIT
 * (requests per second per key, twice that per org; 0 turns the limiter off) to measure its cost.
 */
export function benchPlansEnv(overrides: Partial<Plan> = {}): Record<string, string> {
  const perKey = Number(process.env.BENCH_RATE_LIMIT ?? 1_000_000);
  if (!Number.isInteger(perKey) || perKey < 0) throw new Error('BENCH_RATE_LIMIT must be a non-negative integer');
  const free = {
    ...DEFAULT_PLANS.free!,
    tasksPerMonth: 1_000_000_000,
    rateLimitPerKey: perKey,
    rateLimitPerOrg: 2 * perKey,
    rateLimitWindowSeconds: 1,
    ...overrides,
  };
  return { HOURGLASS_PLANS: JSON.stringify({ free }) };
}

/** Starts an api-gateway on a free port and waits for /readyz. */
export async function startGateway(
  databaseUrl: string,
  masterKeys: string,
  adminToken: string,
  extraEnv: Record<string, string> = {},
): Promise<{ child: Child; base: string }> {
  const port = await freePort();
  const child = startService('api-gateway', {
    DATABASE_URL: databaseUrl,
    HOURGLASS_MASTER_KEYS: masterKeys,
    HOURGLASS_ADMIN_TOKEN: adminToken,
    ...benchPlansEnv(),
    ...extraEnv,
    PORT: String(port),
  });
  try {
    await waitReady(child, port);
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { child, base: `http://127.0.0.1:${port}` };
}

/** Starts the api-gateway (as startGateway), then makes an org and a key through the admin API. */
export async function startApi(
  databaseUrl: string,
  masterKeys: string,
  adminToken: string,
  extraEnv: Record<string, string> = {},
): Promise<RunningApi> {
  const { child, base } = await startGateway(databaseUrl, masterKeys, adminToken, extraEnv);
  try {
    const org = await postJson<{ id: string }>(`${base}/v1/admin/orgs`, adminToken, { name: 'bench' });
    const { key } = await postJson<{ key: string }>(`${base}/v1/admin/orgs/${org.id}/api-keys`, adminToken, {
      scopes: ['read', 'write'],
    });
    return { child, base, key };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

/** The request body every benchmarked task uses. */
export function taskBody(target: string, delay?: string): string {
  return JSON.stringify({ request: { url: target, method: 'POST', body: '{"n":1}' }, ...(delay ? { delay } : {}) });
}

/** POST /v1/tasks once; returns the created task's id. */
export async function createTask(api: RunningApi, body: string): Promise<string> {
  const res = await request(`${api.base}/v1/tasks`, {
    dispatcher: agent,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${api.key}` },
  });
  const text = await res.body.text();
  if (res.statusCode !== 201) throw new Error(`POST /v1/tasks → ${res.statusCode}: ${text}`);
  return (JSON.parse(text) as { id: string }).id;
}

export function closeApiClient(): Promise<void> {
  return agent.close().catch(() => undefined);
}
