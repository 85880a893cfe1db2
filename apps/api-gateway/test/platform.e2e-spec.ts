import { DataSource } from 'typeorm';
import { AppLogger, Readiness } from '@hourglass/platform';
import { startGateway, type Gateway } from './harness.js';

describe('docs, health, metrics, unknown routes', () => {
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(() => gw.close());

  it('serves an OpenAPI 3.1 document without auth', async () => {
    const res = await gw.http().get('/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/tasks',
        '/v1/tasks/{id}',
        '/v1/tasks/{id}/cancel',
        '/v1/admin/orgs',
        '/v1/api-keys',
        '/v1/org',
      ]),
    );
    expect(res.body.paths['/v1/tasks'].post.requestBody).toBeDefined();
    for (const path of ['/v1/tasks', '/v1/tasks/batch', '/v1/schedules']) {
      expect(res.body.paths[path].post.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
      );
    }
    expect(res.body.paths['/v1/tasks'].get.parameters.map((p: { name: string }) => p.name)).not.toContain(
      'Idempotency-Key',
    );
    expect(res.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it("keeps the server's commit durability: a 201 means the task is on disk (decision 0011 is the dispatcher's only)", async () => {
    // The test server itself runs without fsync; what matters is that the gateway does not relax it.
    const [row] = await gw.app
      .get(DataSource)
      .query(`SELECT source FROM pg_settings WHERE name = 'synchronous_commit'`);
    expect(row.source).not.toBe('client');
  });

  it('serves the docs UI and its assets locally', async () => {
    const html = await gw.http().get('/docs').expect(200);
    expect(html.headers['content-type']).toContain('text/html');
    const assets = [...html.text.matchAll(/(?:src|href)="\.\/docs\/([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toEqual(expect.arrayContaining(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-init.js']));
    for (const asset of assets) await gw.http().get(`/docs/${asset}`).expect(200);
  });

  it('is ready, and counts requests by route pattern', async () => {
    expect((await gw.http().get('/readyz').expect(200)).body).toEqual({ status: 'ok' });
    await gw.http().get('/v1/tasks/0193a0a0-0000-7000-8000-000000000000').expect(401);
    const metrics = await gw.http().get('/metrics').expect(200);
    expect(metrics.text).toContain('hourglass_http_requests_total{method="GET",route="/readyz",status="200"');
    expect(metrics.text).toContain('route="/v1/tasks/:id",status="401"');
    expect(metrics.text).toContain('hourglass_http_request_duration_seconds_bucket');
    expect(metrics.text).toContain('hourglass_tasks_created_total');
  });

  it('answers not ready with a bare 503 problem (no check names, no error text) and logs why, once, without the password', async () => {
    let failing = true;
    gw.app.get(Readiness).add({
      name: 'probe',
      check: async () => {
        if (failing) throw new Error('connect ECONNREFUSED postgres://hourglass:s3cret@db.internal:5432/hourglass');
        return { ok: true };
      },
    });
    const logger = gw.app.get(AppLogger);
    const logged: unknown[] = [];
    const [warn, log] = [logger.warn.bind(logger), logger.log.bind(logger)];
    logger.warn = (message: unknown, context?: string) => {
      logged.push(message);
      warn(message, context);
    };
    logger.log = (message: unknown, context?: string) => {
      logged.push(message);
      log(message, context);
    };
    try {
      for (let i = 0; i < 2; i++) {
        const res = await gw.http().get('/readyz').expect(503);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
        expect(Object.keys(res.body).sort()).toEqual(['code', 'detail', 'requestId', 'status', 'title', 'type']);
        expect(res.text).not.toMatch(/probe|ECONNREFUSED|s3cret|database|migrations/);
      }
      expect(logged).toEqual([
        {
          msg: 'readiness check failing',
          check: 'probe',
          detail: '"connect ECONNREFUSED postgres://hourglass:***@db.internal:5432/hourglass"',
        },
      ]);
      failing = false;
      expect((await gw.http().get('/readyz').expect(200)).body).toEqual({ status: 'ok' });
      expect(logged.at(-1)).toEqual({ msg: 'readiness check passes again', check: 'probe' });
    } finally {
      failing = false;
      Object.assign(logger, { warn, log });
    }
  });

  it('answers unknown routes with 404 problem+json NOT_FOUND', async () => {
    const res = await gw.http().get('/v1/nope').expect(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('NOT_FOUND');
  });
});
