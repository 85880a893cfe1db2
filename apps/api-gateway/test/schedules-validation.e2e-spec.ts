import { startGateway, type Gateway } from './harness.js';

describe('schedule validation', () => {
  let gw: Gateway;
  let auth: string;
  beforeAll(async () => {
    gw = await startGateway();
    auth = `Bearer ${(await gw.newOrg()).key}`;
  });
  afterAll(() => gw.close());

  const request = { url: 'https://example.com/hook' };
  const base = { name: 's', request };
  const post = (body: object) => gw.http().post('/v1/schedules').set('authorization', auth).send(body);

  it('the document says a schedule takes exactly one of cron and interval', async () => {
    const document = (await gw.http().get('/openapi.json').expect(200)).body;
    expect(document.components.schemas.CreateScheduleDto.oneOf).toEqual([
      { required: ['cron'] },
      { required: ['interval'] },
    ]);
  });

  it.each([
    ['minute 61', { ...base, cron: '61 * * * *' }, 'cron', 'Invalid value for minute: 61'],
    ['3 fields', { ...base, cron: '* * *' }, 'cron', undefined],
    ['7 fields', { ...base, cron: '0 0 0 * * * *' }, 'cron', undefined],
    ['a date that never comes', { ...base, cron: '0 0 30 2 *' }, 'cron', undefined],
    ['cron not a string', { ...base, cron: 5 }, 'cron', undefined],
    [
      'unknown timezone',
      { ...base, cron: '0 9 * * *', timezone: 'Mars/Olympus' },
      'timezone',
      'must be an IANA timezone like "Europe/Amsterdam"',
    ],
    ['cron and interval', { ...base, cron: '0 9 * * *', interval: '1h' }, 'interval', 'cannot be combined with cron'],
    ['neither cron nor interval', base, 'cron', 'either cron or interval is required'],
    ['interval below 1s', { ...base, interval: '500ms' }, 'interval', 'must be at least 1s'],
    ['malformed interval', { ...base, interval: '5x' }, 'interval', undefined],
    ['no name', { request, interval: '1h' }, 'name', undefined],
    ['name over 200 characters', { ...base, name: 'n'.repeat(201), interval: '1h' }, 'name', undefined],
    ['no request', { name: 's', interval: '1h' }, 'request', undefined],
    [
      'relative url',
      { ...base, request: { url: '/hook' }, interval: '1h' },
      'request.url',
      'must be an absolute http(s) URL',
    ],
    [
      'reserved header',
      { ...base, request: { ...request, headers: { traceparent: 'x' } }, interval: '1h' },
      'request.headers',
      undefined,
    ],
    ['maxAttempts 12', { ...base, interval: '1h', retry: { maxAttempts: 12 } }, 'retry.maxAttempts', undefined],
    ['timeoutMs 500', { ...base, interval: '1h', timeoutMs: 500 }, 'timeoutMs', undefined],
    ['priority 0', { ...base, interval: '1h', priority: 0 }, 'priority', undefined],
    ['missedRuns policy', { ...base, interval: '1h', missedRuns: 'never' }, 'missedRuns', undefined],
    ['overlap policy', { ...base, interval: '1h', overlap: 'sometimes' }, 'overlap', undefined],
    ['unknown field', { ...base, interval: '1h', enabled: false }, 'enabled', undefined],
    ['mass-assigned version', { ...base, interval: '1h', version: 9 }, 'version', undefined],
  ])('%s → 400 VALIDATION_FAILED on %s', async (_name, body, field, message) => {
    const res = await post(body).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.code).toBe('VALIDATION_FAILED');
    const error = res.body.errors.find((e: { field: string }) => e.field === field);
    expect(error).toBeDefined();
    if (message) expect(error.message).toBe(message);
  });

  it.each(['@hourly', '@daily', '0 */5 * * * *', '0 9 * * 1-5'])('accepts %s', async (cron) => {
    await post({ name: `ok ${cron}`, cron, request }).expect(201);
  });

  it('validates a PATCH like a create, and leaves the schedule as it was', async () => {
    const created = await post({ name: 'patched', cron: '0 9 * * *', request }).expect(201);
    const patch = (body: object) =>
      gw.http().patch(`/v1/schedules/${created.body.id}`).set('authorization', auth).send(body);
    for (const [body, field] of [
      [{ cron: '61 * * * *' }, 'cron'],
      [{ cron: '0 * * * *', interval: '1h' }, 'interval'],
      [{ timezone: 'Nowhere' }, 'timezone'],
      [{ name: '' }, 'name'],
      [{ id: 'x' }, 'id'],
    ] as const) {
      const res = await patch(body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const res = await gw.http().get(`/v1/schedules/${created.body.id}`).set('authorization', auth).expect(200);
    expect(res.body).toMatchObject({ name: 'patched', cron: '0 9 * * *', version: 1 });
  });
});
