import type { DataSource } from 'typeorm';
import { startHttpSink, type HttpSink, waitFor } from '@hourglass/testing';
import { ApiClient, newOrgClient } from './api-client.js';
import { localPingUrl, type Stack, startStack } from './stack.js';

/**
 * Monitors end to end on the three real services: a heartbeat that misses its ping is taken down
 * by the scheduler's leader (one monitor.down event, one incident) and a later ping brings it up;
 * an HTTP monitor against a failing local target goes down only after confirmAfter failed checks
 * (the dispatcher re-checks the first failure at once), and up on the next success.
 */
const SLOW = 120_000;

interface EventRow {
  event: string;
  dedup_key: string;
  created_at: Date;
}

describe('system: heartbeat and HTTP monitors', () => {
  let stack: Stack;
  let db: DataSource;
  let sink: HttpSink;
  let gatewayUrl: string;
  let api: ApiClient;
  let healthy = false;

  beforeAll(async () => {
    sink = await startHttpSink((_req, res) => {
      res.statusCode = healthy ? 200 : 500;
      res.end(healthy ? '{"status":"ok"}' : 'broken');
    });
    stack = await startStack();
    ({ db, gatewayUrl } = stack);
    ({ api } = await newOrgClient(gatewayUrl, stack.adminToken, { name: 'monitors' }));
  }, SLOW);

  afterAll(async () => {
    await stack.stop();
    await sink.close();
  }, SLOW);

  const eventsOf = (id: string): Promise<EventRow[]> =>
    db.query(`SELECT event, dedup_key, created_at FROM notification_events WHERE subject_id = $1 ORDER BY created_at`, [
      id,
    ]);
  const eventually = (id: string, events: string[]) =>
    waitFor(
      () => eventsOf(id),
      (rows) => rows.length >= events.length,
      { timeoutMs: 40_000, intervalMs: 200, what: `${events.join(', ')} of monitor ${id}` },
    );

  async function heartbeatFlow(): Promise<void> {
    const monitor = await api.expect<{ id: string; pingUrl: string }>(201, 'POST', '/v1/monitors', {
      name: 'nightly',
      type: 'heartbeat',
      every: '10s',
      grace: '1s',
    });
    const pingUrl = localPingUrl(monitor.pingUrl, gatewayUrl);
    expect((await fetch(pingUrl, { method: 'POST', body: 'started ok' })).status).toBe(200);
    const [down] = await eventually(monitor.id, ['monitor.down']);
    expect(down!.event).toBe('monitor.down');
    const view = await api.expect<{ status: string; lastPingAt: string }>(200, 'GET', `/v1/monitors/${monitor.id}`);
    expect(view.status).toBe('down');
    // A figure, not an assertion (shared machine): how long after every + grace the alert was raised.
    console.info(
      `monitor.down raised ${down!.created_at.getTime() - Date.parse(view.lastPingAt) - 11_000} ms after its deadline`,
    );

    expect((await fetch(pingUrl)).status).toBe(200);
    const events = await eventsOf(monitor.id);
    expect(events.map((e) => e.event)).toEqual(['monitor.down', 'monitor.up']);
    const incidents = await api.expect<{ data: { id: string; cause: string; resolvedAt: string | null }[] }>(
      200,
      'GET',
      `/v1/monitors/${monitor.id}/incidents`,
    );
    expect(incidents.data).toHaveLength(1);
    expect(incidents.data[0]).toMatchObject({ cause: 'no ping within grace' });
    expect(incidents.data[0]!.resolvedAt).not.toBeNull();
    expect(events.map((e) => e.dedup_key)).toEqual([
      `incident:${incidents.data[0]!.id}:down`,
      `incident:${incidents.data[0]!.id}:up`,
    ]);
  }

  async function httpFlow(): Promise<void> {
    const monitor = await api.expect<{ id: string }>(201, 'POST', '/v1/monitors', {
      name: 'api-up',
      type: 'http',
      request: { url: `${sink.url}/health` },
      every: '10s',
      expect: { statusCodes: [200], bodyPattern: '"status":\\s*"ok"' },
      confirmAfter: 2,
    });
    await eventually(monitor.id, ['monitor.down']);
    const checks = await api.expect<{ data: { ok: boolean; checkedAt: string; error: string | null }[] }>(
      200,
      'GET',
      `/v1/monitors/${monitor.id}/checks`,
    );
    const failed = checks.data.filter((c) => !c.ok).reverse();
    expect(failed.length).toBeGreaterThanOrEqual(2);
    expect(failed[0]!.error).toBe('status 500');
    const [incident] = (
      await api.expect<{ data: { startedAt: string }[] }>(200, 'GET', `/v1/monitors/${monitor.id}/incidents`)
    ).data;
    // Down at the second failed check, not the first.
    expect(Date.parse(incident!.startedAt)).toBeGreaterThanOrEqual(Date.parse(failed[1]!.checkedAt));
    expect((await eventsOf(monitor.id)).map((e) => e.event)).toEqual(['monitor.down']);

    healthy = true;
    const events = await eventually(monitor.id, ['monitor.down', 'monitor.up']);
    expect(events.map((e) => e.event)).toEqual(['monitor.down', 'monitor.up']);
    const view = await api.expect<{ status: string }>(200, 'GET', `/v1/monitors/${monitor.id}`);
    expect(view.status).toBe('up');
  }

  it(
    'a missed heartbeat raises one monitor.down, a later ping monitor.up; an HTTP monitor flips only after confirmAfter',
    () => Promise.all([heartbeatFlow(), httpFlow()]),
    SLOW,
  );
});
