import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { type NotificationEvent, raiseNotificationEvent } from '@hourglass/db';
import { startHttpSink, type HttpSink, waitFor } from '@hourglass/testing';
import { type ApiClient, newOrgClient } from './api-client.js';
import { type Stack, startStack } from './stack.js';

/**
 * Notifications end to end across the three processes: events raised in the database are fanned
 * out by the scheduler's leader into outbox rows and notification tasks, which the dispatcher
 * delivers to real local receivers (an HTTP sink shaped as Slack, Discord and a webhook, and a real
 * SMTP server), with retries, 410 disabling and grouping.
 */
const SLOW = 90_000;
const WINDOW_MS = 2_000;

interface Mail {
  to: string;
  raw: string;
}

interface NotificationView {
  id: string;
  status: string;
  attempts: number;
  eventIds: string[];
  sentAt: string | null;
}

describe('system: notifications through the outbox', () => {
  let stack: Stack;
  let sink: HttpSink;
  let smtp: SMTPServer;
  const mails: Mail[] = [];
  let db: DataSource;
  let gatewayUrl: string;
  let adminToken: string;
  /** 429 with Retry-After once per path listed, then 200. */
  const throttledOnce = new Set<string>();

  beforeAll(async () => {
    sink = await startHttpSink((req, res) => {
      if (req.path.startsWith('/gone')) return void res.writeHead(410).end('gone');
      if (req.path.startsWith('/busy') && !throttledOnce.has(req.path)) {
        throttledOnce.add(req.path);
        return void res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      }
      res.end('ok');
    });
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address).join(','),
            raw: Buffer.concat(chunks).toString(),
          });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    stack = await startStack({
      NOTIFICATION_GROUP_WINDOW_MS: String(WINDOW_MS),
      NOTIFICATION_POLL_MS: '500',
      HOURGLASS_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      HOURGLASS_SMTP_FROM: 'Hourglass <alerts@hourglass.test>',
    });
    ({ db, gatewayUrl, adminToken } = stack);
  }, SLOW);

  afterAll(async () => {
    await stack?.stop();
    await sink.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }, SLOW);

  const monitorDown = (orgId: string, n = 1): NotificationEvent => ({
    orgId,
    event: 'monitor.down',
    subjectType: 'monitor',
    subjectId: null,
    notify: null,
    payload: {
      title: `Monitor "backup-${n}" is down`,
      summary: 'No ping for 10 minutes.',
      severity: 'critical',
      fields: { state: 'down', cause: 'missed ping' },
    },
  });

  const raise = (events: NotificationEvent[]) =>
    db.transaction(async (tx) => {
      for (const event of events) await raiseNotificationEvent(tx, event);
    });

  async function orgWithChannel(body: Record<string, unknown>) {
    const client = await newOrgClient(gatewayUrl, adminToken, { name: 'notified' });
    const channel = await client.api.expect<{ id: string }>(201, 'POST', '/v1/notification-channels', {
      name: 'alerts',
      events: ['monitor.down', 'digest.weekly'],
      default: true,
      ...body,
    });
    return { ...client, channelId: channel.id };
  }

  const notificationsOf = (api: ApiClient, channelId: string) =>
    api
      .expect<{ data: NotificationView[] }>(200, 'GET', `/v1/notifications?channelId=${channelId}`)
      .then((page) => page.data);

  const settled = (api: ApiClient, channelId: string, count = 1) =>
    waitFor(
      () => notificationsOf(api, channelId),
      (list) => list.length >= count && list.every((n) => ['sent', 'failed', 'cancelled'].includes(n.status)),
      { timeoutMs: 30_000, intervalMs: 200, what: 'notifications to settle' },
    );

  it(
    'a raised monitor.down reaches a Slack-shaped receiver with text and blocks, and the outbox row is sent',
    async () => {
      const { api, org, channelId } = await orgWithChannel({ type: 'slack', url: `${sink.url}/slack/${Date.now()}` });
      await raise([monitorDown(org.id)]);
      const [request] = await sink.waitFor(1, (r) => r.path.startsWith('/slack'));
      const body = JSON.parse(request!.body) as { text: string; blocks: { type: string; text?: { text: string } }[] };
      expect(body.text).toBe('Monitor "backup-1" is down');
      expect(body.blocks[0]).toMatchObject({ type: 'header', text: { type: 'plain_text' } });
      expect(body.blocks[1]!.type).toBe('section');
      expect(body.blocks[1]!.text!.text).toContain('No ping for 10 minutes.');
      const [sent] = await settled(api, channelId);
      expect(sent).toMatchObject({ status: 'sent', attempts: 1 });
      expect(sent!.sentAt).not.toBeNull();
    },
    SLOW,
  );

  it(
    'Discord gets content and embeds; a webhook channel’s delivery verifies with the org’s signing secret',
    async () => {
      const discord = await orgWithChannel({ type: 'discord', url: `${sink.url}/discord` });
      const hook = await orgWithChannel({ type: 'webhook', url: `${sink.url}/hook` });
      await raise([monitorDown(discord.org.id), monitorDown(hook.org.id)]);
      const [d] = await sink.waitFor(1, (r) => r.path === '/discord');
      const dBody = JSON.parse(d!.body) as {
        content: string;
        embeds: { title: string; color: number; fields: unknown[] }[];
      };
      expect(dBody.content).toBe('Monitor "backup-1" is down');
      expect(dBody.embeds[0]).toMatchObject({ title: 'Monitor "backup-1" is down', color: 0xd92d20 });
      expect(dBody.embeds[0]!.fields).toContainEqual({ name: 'state', value: 'down', inline: true });
      const [w] = await sink.waitFor(1, (r) => r.path === '/hook');
      expect(() =>
        new Webhook(hook.org.signingSecret).verify(w!.body, w!.headers as Record<string, string>),
      ).not.toThrow();
      const wBody = JSON.parse(w!.body) as { type: string; events: { event: string; title: string }[] };
      expect(wBody.type).toBe('monitor.down');
      expect(wBody.events).toMatchObject([{ event: 'monitor.down', title: 'Monitor "backup-1" is down' }]);
    },
    SLOW,
  );

  it(
    'email arrives at the SMTP server with a plain-text and an HTML part; the weekly digest renders as tables',
    async () => {
      const address = `ops-${Date.now()}@example.com`;
      const { api, org, channelId } = await orgWithChannel({ type: 'email', email: address });
      await raise([
        {
          orgId: org.id,
          event: 'digest.weekly',
          subjectType: 'org',
          subjectId: null,
          notify: null,
          payload: {
            title: 'Your week on Hourglass',
            summary: '1,204 tasks ran.',
            severity: 'info',
            digest: {
              periodStart: '2026-11-23',
              periodEnd: '2026-11-30',
              counts: { succeeded: 1200, failed: 4 },
              failures: [{ name: 'nightly-report', count: 3 }],
              slowestTargets: [{ host: 'api.example.com', p95Ms: 2400, count: 88 }],
            },
          },
        },
      ]);
      const mail = await waitFor(
        async () => mails.find((m) => m.to === address),
        (m) => m !== undefined,
        { timeoutMs: 30_000, intervalMs: 200, what: 'the email' },
      );
      expect(mail!.raw).toMatch(/^Subject: Your week on Hourglass/m);
      expect(mail!.raw).toMatch(/multipart\/alternative/);
      expect(mail!.raw).toMatch(/Content-Type: text\/plain/);
      expect(mail!.raw).toMatch(/Content-Type: text\/html/);
      expect(mail!.raw).toContain('nightly-report');
      expect(mail!.raw).toContain('<table');
      expect(mail!.raw).toContain('api.example.com');
      expect((await settled(api, channelId))[0]).toMatchObject({ status: 'sent', attempts: 1 });
    },
    SLOW,
  );

  it(
    'a receiver answering 429 with Retry-After is retried after it, and the notification ends sent',
    async () => {
      const path = `/busy/${Date.now()}`;
      const { api, org, channelId } = await orgWithChannel({ type: 'webhook', url: `${sink.url}${path}` });
      await raise([monitorDown(org.id)]);
      const [first, second] = await sink.waitFor(2, (r) => r.path === path, 30_000);
      expect(first!.headers['hourglass-attempt']).toBe('1');
      expect(second!.headers['hourglass-attempt']).toBe('2');
      expect((await settled(api, channelId))[0]).toMatchObject({ status: 'sent', attempts: 2 });
    },
    SLOW,
  );

  it(
    'a target answering 410 disables its channel with an audit entry, and later events are not sent to it',
    async () => {
      const path = `/gone/${Date.now()}`;
      const { api, org, channelId } = await orgWithChannel({ type: 'webhook', url: `${sink.url}${path}` });
      await raise([monitorDown(org.id)]);
      const channel = await waitFor(
        () =>
          api.expect<{ enabled: boolean; disabledReason: string | null }>(
            200,
            'GET',
            `/v1/notification-channels/${channelId}`,
          ),
        (c) => !c.enabled,
        { timeoutMs: 30_000, intervalMs: 200, what: 'the channel to be disabled' },
      );
      expect(channel.disabledReason).toBe('target answered HTTP 410');
      expect((await notificationsOf(api, channelId))[0]).toMatchObject({ status: 'failed', attempts: 1 });
      const [row] = (await db.query(
        `SELECT actor_type, actor_id FROM audit_log WHERE resource_id = $1 AND action = 'notification_channel.disabled'`,
        [channelId],
      )) as { actor_type: string; actor_id: string }[];
      expect(row).toEqual({ actor_type: 'system', actor_id: 'notifications' });
      await raise([monitorDown(org.id, 2)]);
      // The next event is dispatched (marked) without any outbox row for the disabled channel.
      await waitFor(
        async () =>
          (await db.query(
            `SELECT count(*)::int AS n FROM notification_events WHERE org_id = $1 AND dispatched_at IS NULL`,
            [org.id],
          )) as { n: number }[],
        (rows) => rows[0]!.n === 0,
        { timeoutMs: 20_000, intervalMs: 200, what: 'the event to be dispatched' },
      );
      expect(await notificationsOf(api, channelId)).toHaveLength(1);
      expect(sink.requests.filter((r) => r.path === path)).toHaveLength(1);
    },
    SLOW,
  );

  it(
    'a burst of 20 events to one channel is one message listing them; events within the window after it are one more',
    async () => {
      const { api, org, channelId } = await orgWithChannel({ type: 'webhook', url: `${sink.url}/burst` });
      const silenced = { ...monitorDown(org.id, 99), notify: 'none' as const };
      await raise([...Array.from({ length: 20 }, (_, i) => monitorDown(org.id, i + 1)), silenced]);
      const [burst] = await sink.waitFor(1, (r) => r.path === '/burst');
      const body = JSON.parse(burst!.body) as { type: string; events: { title: string }[] };
      expect(body.type).toBe('notification.grouped');
      expect(body.events).toHaveLength(20);
      expect(body.events.map((e) => e.title)).not.toContain('Monitor "backup-99" is down');
      // Three more, one by one, inside the window that message opened: held, then sent as one.
      for (const n of [21, 22, 23]) await raise([monitorDown(org.id, n)]);
      const [, held] = await sink.waitFor(2, (r) => r.path === '/burst', 30_000);
      const heldBody = JSON.parse(held!.body) as { events: { title: string }[] };
      expect(heldBody.events.map((e) => e.title)).toEqual([21, 22, 23].map((n) => `Monitor "backup-${n}" is down`));
      const list = await settled(api, channelId, 2);
      expect(list.map((n) => n.eventIds.length).sort((a, b) => a - b)).toEqual([3, 20]);
      expect(sink.requests.filter((r) => r.path === '/burst')).toHaveLength(2);
    },
    SLOW,
  );
});
