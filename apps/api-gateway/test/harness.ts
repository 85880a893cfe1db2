import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import supertest from 'supertest';
import superagent from 'superagent';
import { DEFAULT_PLANS, type Plan } from '@hourglass/domain';
import { createHttpApp, loadConfig } from '@hourglass/platform';
import { createTestDatabase, type TestDatabase, testMasterKeys } from '@hourglass/testing';
import { ApiGatewayEnv, toApiGatewayConfig, type ApiGatewayConfig } from '../src/config.js';
import { ApiGatewayModule } from '../src/api-gateway.module.js';
import { OpenApiContract } from './openapi-contract.js';

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);
// NDJSON (the audit-log export) is read as text like JSON, so tests and the contract check see its lines.
(superagent as unknown as { buffer: Record<string, boolean> }).buffer['application/x-ndjson'] = true;

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface KeyClient {
  get: (path: string) => supertest.Test;
  post: (path: string, body?: object) => supertest.Test;
  patch: (path: string, body: object) => supertest.Test;
  delete: (path: string) => supertest.Test;
}

export interface Gateway {
  app: NestFastifyApplication;
  db: TestDatabase;
  config: ApiGatewayConfig;
  http: () => ReturnType<typeof supertest>;
  admin: (req: supertest.Test) => supertest.Test;
  /** Requests with `key` as the bearer token (JSON bodies). */
  as: (key: string) => KeyClient;
  /** A new org and a key with every scope (or the given ones). */
  newOrg: (scopes?: string[]) => Promise<{ orgId: string; key: string; signingSecret: string }>;
  close: () => Promise<void>;
}

/**
 * `free` and `pro` without API rate limits, so a fast machine running a test's many requests on one
 * key is not throttled; a test's own HOURGLASS_PLANS adds to them (rate-limits.e2e-spec.ts sets tight ones).
 */
function plansWithoutRateLimits(given: string | undefined): string {
  const unlimited = (plan: Plan) => ({ ...plan, rateLimitPerKey: 0, rateLimitPerOrg: 0 });
  const defaults = { free: unlimited(DEFAULT_PLANS.free!), pro: unlimited(DEFAULT_PLANS.pro!) };
  return JSON.stringify({ ...defaults, ...(given ? (JSON.parse(given) as object) : {}) });
}

/** The real module on a fresh migrated database: exactly what production boots. */
export async function startGateway(env: Record<string, string> = {}): Promise<Gateway> {
  const db = await createTestDatabase();
  const config = loadConfig(ApiGatewayEnv, toApiGatewayConfig, {
    DATABASE_URL: db.url,
    HOURGLASS_ADMIN_TOKEN: ADMIN_TOKEN,
    HOURGLASS_MASTER_KEYS: testMasterKeys(),
    LOG_LEVEL: 'silent',
    ...env,
    HOURGLASS_PLANS: plansWithoutRateLimits(env.HOURGLASS_PLANS),
  }) as ApiGatewayConfig;
  const app = await createHttpApp(ApiGatewayModule.forRoot(config), { logger: false });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const raw = () => supertest(app.getHttpServer());
  // Every response any e2e test gets is checked against /openapi.json; close() fails on a mismatch.
  const contract = await OpenApiContract.load({ http: raw } as Gateway);
  const violations: string[] = [];
  const http = () =>
    new Proxy(raw(), {
      get(agent, method: string) {
        const send = Reflect.get(agent, method) as unknown;
        if (typeof send !== 'function' || !HTTP_METHODS.has(method)) return send;
        return (url: string) =>
          (send as (url: string) => supertest.Test).call(agent, url).on('response', (res: supertest.Response) => {
            const violation = contract.violation(method, url, res);
            if (violation) violations.push(violation);
          });
      },
    });
  const admin = (req: supertest.Test) => req.set('authorization', `Bearer ${ADMIN_TOKEN}`);
  const as = (key: string): KeyClient => ({
    get: (path) => http().get(path).set('authorization', `Bearer ${key}`),
    post: (path, body = {}) => http().post(path).set('authorization', `Bearer ${key}`).send(body),
    patch: (path, body) => http().patch(path).set('authorization', `Bearer ${key}`).send(body),
    delete: (path) => http().delete(path).set('authorization', `Bearer ${key}`),
  });
  const newOrg = async (scopes?: string[]) => {
    const org = await admin(http().post('/v1/admin/orgs')).send({ name: 'org' }).expect(201);
    const key = await admin(http().post(`/v1/admin/orgs/${org.body.id}/api-keys`))
      .send(scopes ? { scopes } : {})
      .expect(201);
    return {
      orgId: org.body.id as string,
      key: key.body.key as string,
      signingSecret: org.body.signingSecret as string,
    };
  };
  return {
    app,
    db,
    config,
    http,
    admin,
    as,
    newOrg,
    close: async () => {
      await app.close();
      await db.drop();
      if (violations.length > 0) {
        throw new Error(`responses that do not match /openapi.json:\n${[...new Set(violations)].join('\n')}`);
      }
    },
  };
}
