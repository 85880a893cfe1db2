import { startHttpSink, type HttpSink, type ReceivedRequest, waitFor } from '@hourglass/testing';
import { type ApiClient, newOrgClient } from './api-client.js';
import { localPingUrl, type Stack, startStack } from './stack.js';

/**
 * Issue 11's "Done when", end to end on the three real services: a monitor's alerts reach a
 * Slack-shaped local receiver through a default channel (raised by the monitor state machine,
 * fanned out by the scheduler's leader, delivered by a dispatcher). A missed heartbeat is one
 * monitor.down message and its next ping one monitor.up message; an HTTP monitor whose target
 * starts failing goes down only after `confirmAfter` failed checks, and alerts once.
 */
const SLOW = 90_000;
/** The API's minimum `every`, and the shortest grace. */
const EVERY_MS = 10_000;
const GRACE_MS = 1_000;

interface SlackBody {
  text: string;
  blocks: { type: string; text?: { text: string }; fields?: { text: string }[] }[];
}

describe('system: monitor alerts reach a Slack channel', () => {
  let stack: Stack;
  let sink: HttpSink;
  let healthy = true;

  beforeAll(async () => {
    sink = await startHttpSink((req, res) => {
      if (req.path.startsWith('/target')) {
        res.statusCode = healthy ? 200 : 503;
        return void res.end(healthy ? 'ok' : 'unavailable');
      }
      res.end('ok');
    });
    // Existing config knobs: a short grouping window, so an up right after a down is not held for 30 s.
    stack = await startStack({ NOTIFICATION_GROUP_WINDOW_MS: '1000', NOTIFICATION_POLL_MS: '500' });
  }, SLOW);

  afterAll(async () => {
    await stack?.stop();
    await sink.close();
  }, SLOW);

  /** An org of its own (so its messages are not grouped with another flow's) with a default Slack channel. */
  async function slackOrg(path: string): Promise<ApiClient> {
    const { api } = await newOrgClient(stack.gatewayUrl, stack.adminToken, { name: path });
    await api.expect(201, 'POST', '/v1/notification-channels', {
      name: 'ops slack',
      type: 'slack',
      url: `${sink.url}${path}`,
      events: ['monitor.down', 'monitor.up'],
      default: true,
    });
    return api;
  }

  const slackOf = (request: ReceivedRequest) => JSON.parse(request.body) as SlackBody;
  const blocksText = (body: SlackBody) =>
    body.blocks.flatMap((b) => [b.text?.text ?? '', ...(b.fields ?? []).map((f) => f.text)]).join('\n');

  async function heartbeatFlow(): Promise<void> {
    const api = await slackOrg('/slack/heartbeat');
    const monitor = await api.expect<{ id: string; pingUrl: string }>(201, 'POST', '/v1/monitors', {
      name: 'nightly-backup',
      type: 'heartbeat',
      every: `${EVERY_MS / 1000}s`,
      grace: `${GRACE_MS / 1000}s`,
    });
    const pingUrl = localPingUrl(monitor.pingUrl, stack.gatewayUrl);
    expect((await fetch(pingUrl, { method: 'POST', body: 'backup done' })).status).toBe(200);
    const { lastPingAt } = await api.expect<{ lastPingAt: string }>(200, 'GET', `/v1/monitors/${monitor.id}`);

    const [down] = await sink.waitFor(1, (r) => r.path === '/slack/heartbeat', 40_000);
    const receivedAt = Date.now();
    const downBody = slackOf(down!);
    expect(downBody.text).toBe('Monitor "nightly-backup" is down');
    expect(downBody.blocks[0]).toMatchObject({ type: 'header', text: { text: 'Monitor "nightly-backup" is down' } });
    expect(blocksText(downBody)).toContain('*monitor*\nnightly-backup');
    expect(blocksText(downBody)).toMatch(/no ping within grace/i);
    // A figure, not an assertion (shared machine): the target is within grace + 5 s of the deadline.
    const deadline = Date.parse(lastPingAt) + EVERY_MS + GRACE_MS;
    console.info(`heartbeat: Slack monitor.down received ${receivedAt - deadline} ms after the deadline`);

    expect((await fetch(pingUrl)).status).toBe(200);
    const [, up] = await sink.waitFor(2, (r) => r.path === '/slack/heartbeat', 30_000);
    const upBody = slackOf(up!);
    expect(upBody.text).toBe('Monitor "nightly-backup" is up again');
    expect(blocksText(upBody)).toMatch(/no ping within grace/i);
    expect(sink.requests.filter((r) => r.path === '/slack/heartbeat')).toHaveLength(2);
  }

  async function httpFlow(): Promise<void> {
    const api = await slackOrg('/slack/http');
    const monitor = await api.expect<{ id: string }>(201, 'POST', '/v1/monitors', {
      name: 'public-api',
      type: 'http',
      request: { url: `${sink.url}/target` },
      every: `${EVERY_MS / 1000}s`,
      confirmAfter: 3,
    });
    type Check = { ok: boolean; checkedAt: string };
    const checks = async () =>
      (await api.expect<{ data: Check[] }>(200, 'GET', `/v1/monitors/${monitor.id}/checks`)).data.reverse();
    await waitFor(checks, (list) => list.some((c) => c.ok), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'a good check',
    });
    healthy = false;

    const [down] = await sink.waitFor(1, (r) => r.path === '/slack/http', 45_000);
    expect(slackOf(down!).text).toBe('Monitor "public-api" is down');
    expect(blocksText(slackOf(down!))).toContain('*monitor*\npublic-api');
    expect(blocksText(slackOf(down!))).toMatch(/status 503/i);
    const failed = (await checks()).filter((c) => !c.ok);
    expect(failed.length).toBeGreaterThanOrEqual(3);
    const [incident] = (
      await api.expect<{ data: { startedAt: string }[] }>(200, 'GET', `/v1/monitors/${monitor.id}/incidents`)
    ).data;
    // Down at the third failed check in a row, not the first or second.
    expect(Date.parse(incident!.startedAt)).toBeGreaterThanOrEqual(Date.parse(failed[2]!.checkedAt));
    // One more failed check while down: still the one message.
    await waitFor(checks, (list) => list.filter((c) => !c.ok).length > failed.length, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'a check after the monitor went down',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(sink.requests.filter((r) => r.path === '/slack/http')).toHaveLength(1);
  }

  it(
    'a missed heartbeat is one Slack down message and its next ping one up; an HTTP monitor alerts once after confirmAfter',
    () => Promise.all([heartbeatFlow(), httpFlow()]),
    SLOW,
  );
});
