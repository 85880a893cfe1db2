import type { ChannelType } from './notification-channel.repository.js';
import type { NotificationPayload, WeeklyDigest } from './notification-events.js';

/** One event as a message shows it. */
export interface RenderedEvent {
  id: string;
  event: string;
  subjectType: string;
  subjectId: string | null;
  createdAt: Date;
  payload: NotificationPayload;
}

/** What a notification's task sends: an HTTP POST, or (email) a `mailto:` target and the message as JSON. */
export interface RenderedMessage {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What the dispatcher's SMTP sender reads from an email notification's task body. */
export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

/** Slack allows 50 blocks and Discord 10 embeds: a larger group lists the first ones and counts the rest. */
const SLACK_MAX_EVENTS = 20;
const DISCORD_MAX_EMBEDS = 10;

const SEVERITY_COLOR: Record<NotificationPayload['severity'], number> = {
  critical: 0xd92d20,
  warning: 0xf79009,
  ok: 0x12b76a,
  info: 0x2e90fa,
};
const SEVERITY_EMOJI: Record<NotificationPayload['severity'], string> = {
  critical: ':red_circle:',
  warning: ':warning:',
  ok: ':white_check_mark:',
  info: ':information_source:',
};

const JSON_HEADERS = { 'content-type': 'application/json' };

/** The headline of a message: the event's own title, or how many events a grouped message lists. */
export function headline(events: RenderedEvent[]): string {
  if (events.length === 1) return events[0]!.payload.title;
  return `${events.length} notifications: ${events[0]!.payload.title} and ${events.length - 1} more`;
}

export function renderMessage(
  type: ChannelType,
  target: string,
  notificationId: string,
  events: RenderedEvent[],
): RenderedMessage {
  switch (type) {
    case 'webhook':
      return { url: target, headers: JSON_HEADERS, body: JSON.stringify(webhookBody(notificationId, events)) };
    case 'slack':
      return { url: target, headers: JSON_HEADERS, body: JSON.stringify(slackBody(events)) };
    case 'discord':
      return { url: target, headers: JSON_HEADERS, body: JSON.stringify(discordBody(events)) };
    case 'email':
      return { url: `mailto:${target}`, headers: JSON_HEADERS, body: JSON.stringify(emailMessage(events)) };
  }
}

/** Signed by the dispatcher like any delivery (webhook-id = the notification's task id). */
function webhookBody(notificationId: string, events: RenderedEvent[]) {
  return {
    type: events.length === 1 ? events[0]!.event : 'notification.grouped',
    notificationId,
    events: events.map((e) => ({
      id: e.id,
      event: e.event,
      subjectType: e.subjectType,
      subjectId: e.subjectId,
      createdAt: e.createdAt.toISOString(),
      ...e.payload,
    })),
  };
}

const fieldsOf = (payload: NotificationPayload) => Object.entries(payload.fields ?? {});

/** Slack incoming webhook: `text` (the notification fallback) and Block Kit `blocks`. */
function slackBody(events: RenderedEvent[]) {
  const shown = events.slice(0, SLACK_MAX_EVENTS);
  const blocks: unknown[] = [{ type: 'header', text: { type: 'plain_text', text: headline(events).slice(0, 150) } }];
  for (const { payload } of shown) {
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: `${SEVERITY_EMOJI[payload.severity]} *${payload.title}*\n${payload.summary}` },
      ...(fieldsOf(payload).length > 0
        ? {
            fields: fieldsOf(payload)
              .slice(0, 10)
              .map(([k, v]) => ({ type: 'mrkdwn', text: `*${k}*\n${v}` })),
          }
        : {}),
    });
  }
  if (events.length > shown.length)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `and ${events.length - shown.length} more` }] });
  return { text: headline(events), blocks };
}

/** Discord webhook: `content` and up to 10 `embeds`. */
function discordBody(events: RenderedEvent[]) {
  const shown = events.slice(0, events.length > DISCORD_MAX_EMBEDS ? DISCORD_MAX_EMBEDS - 1 : DISCORD_MAX_EMBEDS);
  const embeds: unknown[] = shown.map(({ payload, createdAt }) => ({
    title: payload.title.slice(0, 256),
    description: payload.summary.slice(0, 4096),
    color: SEVERITY_COLOR[payload.severity],
    timestamp: createdAt.toISOString(),
    fields: fieldsOf(payload)
      .slice(0, 25)
      .map(([name, value]) => ({ name, value: String(value), inline: true })),
  }));
  if (events.length > shown.length) embeds.push({ description: `and ${events.length - shown.length} more` });
  return { content: headline(events).slice(0, 2000), embeds };
}

export function emailMessage(events: RenderedEvent[]): EmailMessage {
  const subject = headline(events);
  const text = events.map(({ payload }) => eventText(payload)).join('\n\n---\n\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">${events
    .map(({ payload }) => eventHtml(payload))
    .join('<hr>')}</body></html>`;
  return { subject, text, html };
}

function eventText(payload: NotificationPayload): string {
  const lines = [payload.title, '', payload.summary];
  const fields = fieldsOf(payload);
  if (fields.length > 0) lines.push('', ...fields.map(([k, v]) => `${k}: ${v}`));
  if (payload.digest) lines.push('', digestText(payload.digest));
  return lines.join('\n');
}

function eventHtml(payload: NotificationPayload): string {
  const fields = fieldsOf(payload);
  return [
    `<h2>${escapeHtml(payload.title)}</h2>`,
    `<p>${escapeHtml(payload.summary)}</p>`,
    fields.length > 0
      ? htmlTable(
          ['', ''],
          fields.map(([k, v]) => [k, String(v)]),
        )
      : '',
    payload.digest ? digestHtml(payload.digest) : '',
  ].join('');
}

type Table = { title: string; head: string[]; rows: string[][] };

function digestTables(digest: WeeklyDigest): Table[] {
  return [
    { title: 'Counts', head: ['', 'Count'], rows: Object.entries(digest.counts).map(([k, v]) => [k, String(v)]) },
    { title: 'Failures', head: ['Name', 'Failures'], rows: digest.failures.map((f) => [f.name, String(f.count)]) },
    {
      title: 'Slowest targets',
      head: ['Host', 'p95 (ms)', 'Requests'],
      rows: digest.slowestTargets.map((t) => [t.host, String(t.p95Ms), String(t.count)]),
    },
  ];
}

function digestText(digest: WeeklyDigest): string {
  const period = `${digest.periodStart} – ${digest.periodEnd}`;
  return [period, ...digestTables(digest).map((t) => `${t.title}\n${textTable(t.head, t.rows)}`)].join('\n\n');
}

function digestHtml(digest: WeeklyDigest): string {
  return [
    `<p>${escapeHtml(digest.periodStart)} – ${escapeHtml(digest.periodEnd)}</p>`,
    ...digestTables(digest).map((t) => `<h3>${escapeHtml(t.title)}</h3>${htmlTable(t.head, t.rows)}`),
  ].join('');
}

/** Columns padded to their widest cell, so a plain-text reader sees a table too. */
function textTable(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function htmlTable(head: string[], rows: string[][]): string {
  if (rows.length === 0) return '<p>(none)</p>';
  const cells = (row: string[], tag: string) => row.map((c) => `<${tag}>${escapeHtml(c)}</${tag}>`).join('');
  const thead = head.some((h) => h !== '') ? `<thead><tr>${cells(head, 'th')}</tr></thead>` : '';
  return `<table border="1" cellpadding="4" cellspacing="0">${thead}<tbody>${rows
    .map((row) => `<tr>${cells(row, 'td')}</tr>`)
    .join('')}</tbody></table>`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
