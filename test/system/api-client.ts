import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  startService,
  testMasterKeys,
  waitFor,
  type RunningService,
  type TestDatabase,
} from '@hourglass/testing';

/** A minimal client of the public API, for system tests: plain fetch, no SDK. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** The response itself (headers too), abandoned after `timeoutMs` when given. */
  raw(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: timeoutMs === undefined ? undefined : AbortSignal.timeout(timeoutMs),
    });
  }

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await this.raw(method, path, body);
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async expect<T = Record<string, unknown>>(status: number, method: string, path: string, body?: unknown): Promise<T> {
    const result = await this.call<T>(method, path, body);
    if (result.status !== status)
      throw new Error(`${method} ${path}: expected ${status}, got ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  }
}

/** What the three services share in a system test (local mode, a fresh admin token and key ring), plus `extra`. */
export function serviceEnv(databaseUrl: string, extra: Record<string, string> = {}) {
  const adminToken = randomBytes(24).toString('base64url');
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    HOURGLASS_ADMIN_TOKEN: adminToken,
    HOURGLASS_MASTER_KEYS: testMasterKeys(),
    HOURGLASS_LOCAL_MODE: 'true',
    DISPATCHER_POLL_MS: '200',
    ...extra,
  };
  return { adminToken, env };
}

/** A new org (admin API) and a client holding a read + write key of it. */
export async function newOrgClient(
  gatewayUrl: string,
  adminToken: string,
  org: Record<string, unknown>,
): Promise<{ api: ApiClient; org: { id: string; signingSecret: string }; key: string }> {
  const admin = new ApiClient(gatewayUrl, adminToken);
  const created = await admin.expect<{ id: string; signingSecret: string }>(201, 'POST', '/v1/admin/orgs', org);
  const { key } = await admin.expect<{ key: string }>(201, 'POST', `/v1/admin/orgs/${created.id}/api-keys`, {
    scopes: ['read', 'write'],
  });
  return { api: new ApiClient(gatewayUrl, key), org: created, key };
}

export interface TaskView {
  id: string;
  status: string;
  attemptCount: number;
}

export interface AttemptView {
  number: number;
  outcome: string;
  statusCode: number | null;
  error: string | null;
}

/** Polls a task until it reaches a final status and returns it; throws once `timeoutMs` has passed. */
export function waitForFinish(api: ApiClient, id: string, timeoutMs = 30_000): Promise<TaskView> {
  return waitFor(
    () => api.expect<TaskView>(200, 'GET', `/v1/tasks/${id}`),
    (task) => ['succeeded', 'failed', 'cancelled'].includes(task.status),
    { timeoutMs, intervalMs: 100, what: `task ${id} to finish` },
  );
}

/** A lone api-gateway on a fresh database with an org's read + write key, for the describe block it is called in. */
export function gatewayStack(extra: Record<string, string> = {}) {
  const current = {} as { database: TestDatabase; gateway: RunningService; api: ApiClient; key: string };
  beforeAll(async () => {
    current.database = await createTestDatabase();
    const { env, adminToken } = serviceEnv(current.database.url, extra);
    current.gateway = await startService('api-gateway', env);
    Object.assign(current, await newOrgClient(current.gateway.url, adminToken, { name: 'gateway-stack' }));
  }, 60_000);
  afterAll(async () => {
    await current.gateway?.kill('SIGKILL');
    await current.database?.drop();
  }, 60_000);
  return current;
}
