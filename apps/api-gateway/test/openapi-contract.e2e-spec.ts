import { DataSource } from 'typeorm';
import { newId } from '@hourglass/db';
import { ADMIN_TOKEN, startGateway, type Gateway } from './harness.js';
import { OpenApiContract } from './openapi-contract.js';

/**
 * Every route, through the document's eyes: each response (success and error) the gateway gives here must be
 * declared by /openapi.json for its status and content type, with a body its schema accepts.
 */
const TINY_PLAN = { tier: 1, minScheduleIntervalMs: 60_000, maxSchedules: 1, tasksPerMonth: 3, retentionDays: 7 };

describe('OpenAPI document: real responses match it', () => {
  let gw: Gateway;
  let api: OpenApiContract;
  let key: string;
  let orgId: string;
  const task = (extra: Record<string, unknown> = {}) => ({
    request: { url: 'https://example.com/hook', method: 'POST', headers: { 'x-a': '1' }, body: '{}' },
    delay: '1h',
    labels: { env: 'test' },
    ...extra,
  });

  beforeAll(async () => {
    gw = await startGateway({ HOURGLASS_PLANS: JSON.stringify({ tiny: TINY_PLAN }) });
    api = await OpenApiContract.load(gw);
    const org = await api.expect(201, 'post', '/v1/admin/orgs', { token: ADMIN_TOKEN, body: { name: 'contract' } });
    orgId = org.body.id;
    key = (
      await api.expect(201, 'post', `/v1/admin/orgs/${orgId}/api-keys`, {
        token: ADMIN_TOKEN,
        body: { name: 'all', scopes: ['read', 'write', 'admin'] },
      })
    ).body.key;
  });
  afterAll(() => gw.close());

  const as = (token = key) => ({ token });

  it('orgs, api keys and signing secrets', async () => {
    await api.expect(200, 'patch', `/v1/admin/orgs/${orgId}`, { token: ADMIN_TOKEN, body: { name: 'renamed' } });
    await api.expect(200, 'get', '/v1/org', as());
    const created = await api.expect(201, 'post', '/v1/api-keys', { ...as(), body: { name: 'ro', scopes: ['read'] } });
    await api.expect(200, 'get', '/v1/api-keys', as());
    await api.expect(200, 'get', `/v1/api-keys/${created.body.id}`, as());
    const replacement = await api.expect(201, 'post', `/v1/api-keys/${created.body.id}/rotate`, {
      ...as(),
      body: { graceSeconds: 60 },
    });
    await api.expect(409, 'post', `/v1/api-keys/${created.body.id}/rotate`, { ...as(), body: {} });
    await api.expect(404, 'post', `/v1/api-keys/${newId()}/rotate`, { ...as(), body: {} });
    await api.expect(403, 'post', '/v1/tasks', { ...as(created.body.key), body: task() });
    await api.expect(204, 'delete', `/v1/api-keys/${replacement.body.id}`, as());
    // Revoking the replacement aborts the rotation: the old key's grace ends with it (decision 0015).
    await api.expect(401, 'post', '/v1/tasks', { ...as(created.body.key), body: task() });
    await api.expect(204, 'delete', `/v1/api-keys/${created.body.id}`, as());
    await api.expect(404, 'delete', `/v1/api-keys/${created.body.id}`, as());
    await api.expect(404, 'patch', `/v1/admin/orgs/${newId()}`, { token: ADMIN_TOKEN, body: { name: 'x' } });
    await api.expect(404, 'post', `/v1/admin/orgs/${newId()}/api-keys`, { token: ADMIN_TOKEN, body: {} });
    await api.expect(200, 'get', `/v1/admin/orgs/${orgId}/data-key`, { token: ADMIN_TOKEN });
    await api.expect(202, 'post', `/v1/admin/orgs/${orgId}/data-key/rotate`, { token: ADMIN_TOKEN });
    await api.expect(404, 'post', `/v1/admin/orgs/${newId()}/data-key/rotate`, { token: ADMIN_TOKEN });

    const original = (await api.expect(200, 'get', '/v1/org/signing-secrets', as())).body.data[0];
    const rotated = await api.expect(201, 'post', '/v1/org/signing-secrets/rotate', {
      ...as(),
      body: { overlap: '1h' },
    });
    await api.expect(409, 'delete', `/v1/org/signing-secrets/${rotated.body.id}`, as());
    await api.expect(204, 'delete', `/v1/org/signing-secrets/${original.id}`, as());
    await api.expect(201, 'post', '/v1/org/signing-secrets/rotate', as());
    await api.expect(200, 'post', '/v1/org/signing-secrets/revoke-previous', as());
    await api.expect(404, 'delete', `/v1/org/signing-secrets/${newId()}`, as());
    await api.expect(200, 'get', '/v1/audit-log?limit=5&resourceType=api_key', as());
    await api.expect(400, 'get', '/v1/audit-log?after=2026-02-30T00:00:00Z', as());
    await api.expect(200, 'get', '/v1/audit-log/export?action=signing_secret.rotated', as());
  });

  it('tasks: create, read, list, attempts, edit, run, clone, cancel, batch, bulk, replay, dead letters', async () => {
    const created = await api.expect(201, 'post', '/v1/tasks', {
      ...as(),
      body: task({ callbackUrl: 'https://example.com/done', expectedStatusCodes: [200], expectedBodyPattern: '^ok' }),
      headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    });
    const id = created.body.id as string;
    await api.expect(200, 'get', `/v1/tasks/${id}`, as());
    await api.expect(200, 'get', '/v1/tasks?limit=1&status=scheduled&label=env:test', as());
    await api.expect(200, 'get', `/v1/tasks/${id}/attempts`, as());
    const edited = await api.expect(200, 'patch', `/v1/tasks/${id}`, { ...as(), body: { priority: 5 } });
    await api.expect(409, 'patch', `/v1/tasks/${id}`, {
      ...as(),
      body: { priority: 6 },
      headers: { 'if-match': `"${edited.body.version - 1}"` },
    });
    await api.expect(200, 'patch', `/v1/tasks/${id}`, {
      ...as(),
      body: { priority: 7 },
      headers: { 'if-match': `"${edited.body.version}"` },
    });
    await api.expect(200, 'post', `/v1/tasks/${id}/run`, as());
    await api.expect(201, 'post', `/v1/tasks/${id}/clone`, as());
    await api.expect(200, 'post', `/v1/tasks/${id}/cancel`, as());
    await api.expect(409, 'post', `/v1/tasks/${id}/cancel`, as());
    await api.expect(404, 'get', `/v1/tasks/${newId()}`, as());
    await api.expect(404, 'get', `/v1/tasks/${newId()}/attempts`, as());
    // a URL the WHATWG parser takes as given, though RFC 3986 would not: the answer echoes it verbatim
    const loose = task({ request: { url: 'https://bücher.example/ä?q=ö' } });
    await api.expect(201, 'post', '/v1/tasks/batch', { ...as(), body: { tasks: [task(), loose] } });
    await api.expect(200, 'post', '/v1/tasks/cancel', {
      ...as(),
      body: { filter: { label: 'env:test' }, dryRun: true },
    });
    await api.expect(200, 'post', '/v1/tasks/cancel', { ...as(), body: { filter: { label: 'env:test' } } });

    // what the dispatcher leaves when retries run out: a failed task with its attempt
    const failed = (await api.expect(201, 'post', '/v1/tasks', { ...as(), body: task() })).body.id as string;
    const db = gw.app.get(DataSource);
    await db.query(`UPDATE tasks SET status = 'failed', attempt_count = 1, finished_at = now() WHERE id = $1`, [
      failed,
    ]);
    await db.query(`DELETE FROM pgboss.job WHERE data->>'taskId' = $1`, [failed]);
    await db.query(
      `INSERT INTO attempts (id, task_id, org_id, number, outcome, status_code, duration_ms, error, response_body,
                             started_at, finished_at)
       VALUES ($1, $2, $3, 1, 'permanent', 404, 12, NULL, 'gone', now(), now())`,
      [newId(), failed, orgId],
    );
    const attempts = await api.expect(200, 'get', `/v1/tasks/${failed}/attempts`, as());
    expect(attempts.body.data).toHaveLength(1);
    expect((await api.expect(200, 'get', `/v1/tasks/${failed}`, as())).body.lastAttempt).not.toBeNull();
    expect((await api.expect(200, 'get', '/v1/dead-letters?limit=5', as())).body.data).toHaveLength(1);
    await api.expect(200, 'post', '/v1/tasks/replay', { ...as(), body: { filter: {}, dryRun: true } });
    await api.expect(200, 'post', `/v1/tasks/${failed}/replay`, as());
    await api.expect(409, 'post', `/v1/tasks/${failed}/replay`, as());
    await api.expect(200, 'post', '/v1/tasks/replay', { ...as(), body: { filter: {} } });
  });

  it('schedules: create, get, list, next, trigger, history, occurrences, pause, resume, patch, delete', async () => {
    const schedule = {
      name: 'nightly',
      cron: '0 3 * * *',
      timezone: 'Europe/Amsterdam',
      request: { url: 'https://example.com/nightly' },
    };
    const created = await api.expect(201, 'post', '/v1/schedules', { ...as(), body: schedule });
    const id = created.body.id as string;
    await api.expect(200, 'get', `/v1/schedules/${id}`, as());
    await api.expect(200, 'get', '/v1/schedules?limit=10', as());
    await api.expect(200, 'get', `/v1/schedules/${id}/next?count=3`, as());
    await api.expect(201, 'post', `/v1/schedules/${id}/trigger`, as());
    await api.expect(200, 'post', `/v1/schedules/${id}/pause`, as());
    await api.expect(200, 'post', `/v1/schedules/${id}/resume`, as());
    const patched = await api.expect(200, 'patch', `/v1/schedules/${id}`, {
      ...as(),
      body: { name: 'nightly 2', timezone: 'UTC' },
      headers: { 'if-match': `"${created.body.version + 2}"` },
    });
    await api.expect(409, 'patch', `/v1/schedules/${id}`, {
      ...as(),
      body: { name: 'stale' },
      headers: { 'if-match': `"${patched.body.version - 1}"` },
    });
    await api.expect(200, 'get', `/v1/schedules/${id}/history`, as());
    await api.expect(200, 'get', `/v1/schedules/${id}/occurrences`, as());
    await api.expect(204, 'delete', `/v1/schedules/${id}`, as());
    await api.expect(404, 'get', `/v1/schedules/${id}`, as());
    await api.expect(404, 'get', `/v1/schedules/${id}/next`, as());
  });

  it('queues: create, list, get, patch, pause, resume, delete', async () => {
    const body = { name: 'billing', parallelism: 1, rateLimit: { count: 5, per: 'second' } };
    await api.expect(201, 'post', '/v1/queues', { ...as(), body });
    await api.expect(409, 'post', '/v1/queues', { ...as(), body });
    await api.expect(200, 'get', '/v1/queues', as());
    await api.expect(200, 'get', '/v1/queues/billing', as());
    await api.expect(200, 'patch', '/v1/queues/billing', { ...as(), body: { rateLimit: null } });
    await api.expect(200, 'post', '/v1/queues/billing/pause', as());
    await api.expect(200, 'post', '/v1/queues/billing/resume', as());
    await api.expect(201, 'post', '/v1/tasks', { ...as(), body: task({ queue: 'billing' }) });
    await api.expect(409, 'delete', '/v1/queues/billing', as());
    await api.expect(201, 'post', '/v1/queues', { ...as(), body: { name: 'empty' } });
    await api.expect(204, 'delete', '/v1/queues/empty', as());
    await api.expect(404, 'get', '/v1/queues/empty', as());
  });

  it('errors: 400, 401, 413, 415, 422 and 429 are problem+json as declared', async () => {
    const invalid = await api.expect(400, 'post', '/v1/tasks', { ...as(), body: { request: { url: 'nope' }, x: 1 } });
    expect(invalid.body.errors.length).toBeGreaterThan(0);
    await api.expect(400, 'post', '/v1/tasks', {
      ...as(),
      body: '{"request":',
      headers: { 'content-type': 'application/json' },
    });
    await api.expect(400, 'get', '/v1/tasks?limit=0', as());
    await api.expect(400, 'get', '/v1/dead-letters?cursor=%%%', as());
    await api.expect(401, 'get', '/v1/tasks');
    await api.expect(401, 'get', '/v1/tasks', as('hg_nope_nope'));
    await api.expect(401, 'post', '/v1/admin/orgs', { ...as(), body: { name: 'x' } });
    await api.expect(415, 'post', '/v1/tasks', {
      ...as(),
      body: '<task/>',
      headers: { 'content-type': 'application/xml' },
    });
    await api.expect(413, 'post', '/v1/tasks', {
      ...as(),
      body: JSON.stringify(task({ labels: { big: 'x'.repeat(2 * 1024 * 1024) } })),
      headers: { 'content-type': 'application/json' },
    });
    const idempotent = { ...as(), headers: { 'idempotency-key': `contract-${newId()}` } };
    await api.expect(201, 'post', '/v1/tasks', { ...idempotent, body: task() });
    const replayed = await api.expect(201, 'post', '/v1/tasks', { ...idempotent, body: task() });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    await api.expect(422, 'post', '/v1/tasks', { ...idempotent, body: task({ delay: '3h' }) });

    // a plan with room for one schedule and three tasks a month
    const tiny = await api.expect(201, 'post', '/v1/admin/orgs', {
      token: ADMIN_TOKEN,
      body: { name: 't', plan: 'tiny' },
    });
    const tinyKey = (
      await api.expect(201, 'post', `/v1/admin/orgs/${tiny.body.id}/api-keys`, { token: ADMIN_TOKEN, body: {} })
    ).body.key as string;
    const schedule = { name: 's', interval: '1h', request: { url: 'https://example.com/s' } };
    await api.expect(201, 'post', '/v1/schedules', { ...as(tinyKey), body: schedule });
    await api.expect(429, 'post', '/v1/schedules', { ...as(tinyKey), body: schedule });
    await api.expect(201, 'post', '/v1/tasks/batch', { ...as(tinyKey), body: { tasks: [task(), task(), task()] } });
    await api.expect(429, 'post', '/v1/tasks', { ...as(tinyKey), body: task() });
    await api.expect(204, 'delete', `/v1/admin/orgs/${tiny.body.id}`, { token: ADMIN_TOKEN });
    await api.expect(404, 'delete', `/v1/admin/orgs/${tiny.body.id}`, { token: ADMIN_TOKEN });
  });

  it('inbound endpoints and events', async () => {
    const body = { name: 'in', forward: [{ url: 'https://example.com/in' }] };
    const endpoint = await api.expect(201, 'post', '/v1/endpoints', { ...as(), body });
    const id = endpoint.body.id as string;
    await api.expect(200, 'get', '/v1/endpoints', as());
    await api.expect(200, 'get', `/v1/endpoints/${id}`, as());
    await api.expect(200, 'patch', `/v1/endpoints/${id}`, { ...as(), body: { bodyLimit: 1000 } });
    await api.expect(200, 'post', `/v1/endpoints/${id}/pause`, as());
    await api.expect(200, 'post', `/v1/endpoints/${id}/resume`, as());
    const rotated = await api.expect(200, 'post', `/v1/endpoints/${id}/rotate-url`, as());
    const event = await gw.http().post(`/in/${rotated.body.slug}`).send({ a: 1 }).expect(202);
    await api.expect(200, 'get', `/v1/endpoints/${id}/events`, as());
    await api.expect(200, 'get', `/v1/events/${event.body.id}`, as());
    await api.expect(201, 'post', `/v1/events/${event.body.id}/replay`, { ...as(), body: {} });
    await api.expect(200, 'post', `/v1/endpoints/${id}/events/replay`, { ...as(), body: { dryRun: true } });
    await api.expect(404, 'get', `/v1/events/${newId()}`, as());
    await api.expect(204, 'delete', `/v1/endpoints/${id}`, as());
    await api.expect(404, 'get', `/v1/endpoints/${id}`, as());
  });

  it('notification channels and notifications', async () => {
    const body = { name: 'ops', type: 'webhook', url: 'https://example.com/alerts', events: ['task.failed'] };
    const channel = await api.expect(201, 'post', '/v1/notification-channels', { ...as(), body });
    const id = channel.body.id as string;
    await api.expect(200, 'get', '/v1/notification-channels', as());
    await api.expect(200, 'get', `/v1/notification-channels/${id}`, as());
    await api.expect(200, 'patch', `/v1/notification-channels/${id}`, { ...as(), body: { default: true } });
    await api.expect(201, 'post', `/v1/notification-channels/${id}/test`, as());
    await api.expect(200, 'get', `/v1/notifications?channelId=${id}`, as());
    await api.expect(204, 'delete', `/v1/notification-channels/${id}`, as());
    await api.expect(404, 'get', `/v1/notification-channels/${id}`, as());
  });

  it('monitors', async () => {
    const body = { name: 'backup', type: 'heartbeat', cron: '0 3 * * *', timezone: 'Europe/Amsterdam', grace: '10m' };
    const { id } = (await api.expect(201, 'post', '/v1/monitors', { ...as(), body })).body;
    const http = { name: 'up', type: 'http', every: '1m', request: { url: 'https://example.com/health' } };
    await api.expect(201, 'post', '/v1/monitors', { ...as(), body: http });
    await api.expect(400, 'post', '/v1/monitors', { ...as(), body: { ...body, every: '1h' } });
    await api.expect(200, 'get', '/v1/monitors', as());
    await api.expect(200, 'get', `/v1/monitors/${id}`, as());
    await api.expect(200, 'patch', `/v1/monitors/${id}`, { ...as(), body: { every: '1h' } });
    await api.expect(200, 'post', `/v1/monitors/${id}/pause`, as());
    await api.expect(200, 'post', `/v1/monitors/${id}/resume`, as());
    for (const list of ['pings', 'checks', 'incidents'])
      await api.expect(200, 'get', `/v1/monitors/${id}/${list}`, as());
    await api.expect(204, 'delete', `/v1/monitors/${id}`, as());
    await api.expect(404, 'get', `/v1/monitors/${id}`, as());
  });

  it('status pages', async () => {
    const monitor = { name: 'hb', type: 'heartbeat', every: '1h' };
    const monitorId = (await api.expect(201, 'post', '/v1/monitors', { ...as(), body: monitor })).body.id as string;
    const body = { slug: `contract-${newId().slice(-12)}`, title: 'Status', monitorIds: [monitorId] };
    const { id, slug } = (await api.expect(201, 'post', '/v1/status-pages', { ...as(), body })).body;
    await api.expect(409, 'post', '/v1/status-pages', { ...as(), body });
    await api.expect(400, 'post', '/v1/status-pages', { ...as(), body: { ...body, slug: 'status' } });
    await api.expect(200, 'get', '/v1/status-pages', as());
    await api.expect(200, 'get', `/v1/status-pages/${id}`, as());
    await api.expect(200, 'patch', `/v1/status-pages/${id}`, { ...as(), body: { title: 'Renamed' } });
    await gw.http().get(`/status/${slug}.json`).expect(200);
    await api.expect(204, 'delete', `/v1/status-pages/${id}`, as());
    await api.expect(404, 'get', `/v1/status-pages/${id}`, as());
  });

  it('health, readiness and metrics', async () => {
    await api.expect(200, 'get', '/healthz');
    await api.expect(200, 'get', '/readyz');
    await api.expect(200, 'get', '/metrics');
  });

  it('exercised every /v1 operation', () => {
    expect(api.unexercised()).toEqual([]);
  });
});
