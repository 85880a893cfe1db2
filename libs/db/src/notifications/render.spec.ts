import { emailMessage, renderMessage, type RenderedEvent } from './render.js';

const event = (n: number, title = `Monitor ${n} is down`): RenderedEvent => ({
  id: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`,
  event: 'monitor.down',
  subjectType: 'monitor',
  subjectId: null,
  createdAt: new Date('2026-12-01T00:00:00Z'),
  payload: { title, summary: 'No ping.', severity: 'critical', fields: { state: 'down' } },
});

describe('notification rendering', () => {
  it('keeps a large group within Slack’s 50 blocks and Discord’s 10 embeds, counting the rest', () => {
    const events = Array.from({ length: 60 }, (_, i) => event(i + 1));
    const slack = JSON.parse(renderMessage('slack', 'https://hooks.slack.com/x', 'n', events).body);
    expect(slack.text).toBe('60 notifications: Monitor 1 is down and 59 more');
    expect(slack.blocks.length).toBeLessThanOrEqual(50);
    expect(slack.blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'and 40 more' }] });
    const discord = JSON.parse(renderMessage('discord', 'https://discord.com/api/webhooks/x', 'n', events).body);
    expect(discord.embeds).toHaveLength(10);
    expect(discord.embeds.at(-1)).toEqual({ description: 'and 51 more' });
  });

  it('escapes HTML in email and sends it to a mailto: target', () => {
    const message = renderMessage('email', 'ops@example.com', 'n', [event(1, '<script>x</script> & co')]);
    expect(message.url).toBe('mailto:ops@example.com');
    const mail = emailMessage([event(1, '<script>x</script> & co')]);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&#60;script&#62;');
    expect(mail.text).toContain('<script>x</script> & co');
    expect(JSON.parse(message.body)).toEqual(mail);
  });
});
