import { Webhook } from 'standardwebhooks';
import { generateSigningSecret } from '@hourglass/crypto';
import { buildDeliveryHeaders, type DeliveryHeadersInput } from './delivery-headers.js';

const now = () => Math.floor(Date.now() / 1000);

function input(overrides: Partial<DeliveryHeadersInput> = {}): DeliveryHeadersInput {
  return {
    taskHeaders: { 'Content-Type': 'application/json', 'X-Custom': 'yes' },
    taskId: '01920000-0000-7000-8000-000000000001',
    attemptNumber: 3,
    secrets: [generateSigningSecret()],
    body: '{"hello":"world"}',
    userAgent: 'Hourglass/0.1.0',
    nowSeconds: now(),
    ...overrides,
  };
}

describe('buildDeliveryHeaders', () => {
  it('signs so that the standardwebhooks package verifies the delivery', () => {
    const args = input({ secrets: [generateSigningSecret(), generateSigningSecret()] });
    const headers = buildDeliveryHeaders(args);
    for (const secret of args.secrets) {
      expect(new Webhook(secret).verify(args.body!, headers)).toEqual({ hello: 'world' });
    }
    expect(headers['webhook-id']).toBe(args.taskId);
  });

  it("keeps the task's headers (content-type untouched) and adds the dispatcher's", () => {
    const headers = buildDeliveryHeaders(input({ scheduleId: 'sch_1', traceParent: '00-abc-def-01' }));
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'x-custom': 'yes',
      'user-agent': 'Hourglass/0.1.0',
      'hourglass-attempt': '3',
      'hourglass-schedule-id': 'sch_1',
      traceparent: '00-abc-def-01',
    });
  });

  it('drops reserved headers a task tries to set, whatever their case', () => {
    const headers = buildDeliveryHeaders(
      input({
        taskHeaders: {
          Host: 'evil.example',
          'Webhook-Signature': 'v1,forged',
          'HOURGLASS-ATTEMPT': '99',
          Connection: 'close',
        },
      }),
    );
    expect(headers['host']).toBeUndefined();
    expect(headers['connection']).toBeUndefined();
    expect(headers['hourglass-attempt']).toBe('3');
    expect(headers['webhook-signature']).not.toContain('forged');
    expect(Object.keys(headers).filter((k) => k.toLowerCase() === 'webhook-signature')).toEqual(['webhook-signature']);
  });

  it("lets a task choose its own user-agent, and omits schedule and trace headers it doesn't have", () => {
    const headers = buildDeliveryHeaders(input({ taskHeaders: { 'User-Agent': 'mine/1' }, scheduleId: null }));
    expect(headers['user-agent']).toBe('mine/1');
    expect(headers).not.toHaveProperty('hourglass-schedule-id');
    expect(headers).not.toHaveProperty('traceparent');
    expect(headers).not.toHaveProperty('content-type');
  });

  it('signs an empty payload when there is no body', () => {
    const secret = generateSigningSecret();
    const headers = buildDeliveryHeaders(input({ secrets: [secret], body: null }));
    expect(() => new Webhook(secret).verify('', headers, { jsonParse: false })).not.toThrow();
  });
});
