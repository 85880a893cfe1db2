import { Webhook } from 'standardwebhooks';
import { generateSigningSecret, webhookHeaders } from './signing.js';

describe('webhookHeaders', () => {
  it('produces a signature the standardwebhooks package verifies', () => {
    const secret = generateSigningSecret();
    const body = JSON.stringify({ hello: 'world' });
    const headers = webhookHeaders([secret], 'msg_1', Math.floor(Date.now() / 1000), body);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ hello: 'world' });
  });

  it('sends one signature per secret, and each verifies on its own', () => {
    const [oldSecret, newSecret] = [generateSigningSecret(), generateSigningSecret()];
    const body = '{"payload":true}';
    const headers = webhookHeaders([newSecret, oldSecret], 'msg_2', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
  });

  it('fails verification when the body was altered', () => {
    const secret = generateSigningSecret();
    const headers = webhookHeaders([secret], 'msg_3', Math.floor(Date.now() / 1000), 'original');
    expect(() => new Webhook(secret).verify('tampered', headers)).toThrow();
  });
});
