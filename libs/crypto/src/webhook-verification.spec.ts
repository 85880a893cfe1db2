import { generateKeyPairSync, sign } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook, type WebhookVerifier } from './webhook-verification.js';

const verifier = (provider: WebhookVerifier['provider'], secrets: string[], extra: Partial<WebhookVerifier> = {}) => ({
  provider,
  secrets,
  toleranceSeconds: 300,
  ...extra,
});
const body = (text: string) => Buffer.from(text);

describe('inbound webhook verification on raw bytes', () => {
  it('GitHub: the published vector of docs.github.com "Validating webhook deliveries"', () => {
    // secret "It's a Secret to Everybody", payload "Hello, World!"
    // (docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries, "Testing the payload validation")
    const headers = {
      'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    };
    const github = verifier('github', ['old-secret', "It's a Secret to Everybody"]);
    expect(verifyWebhook(github, { headers, body: body('Hello, World!') })).toBeNull();
    expect(verifyWebhook(github, { headers, body: body('Hello, World?') })).toBe('x-hub-signature-256 does not match');
    expect(verifyWebhook(verifier('github', ['old-secret']), { headers, body: body('Hello, World!') })).not.toBeNull();
    expect(verifyWebhook(github, { headers: {}, body: body('Hello, World!') })).toBe('x-hub-signature-256 is missing');
  });

  it('Slack: the published vector of api.slack.com "Verifying requests from Slack", within the tolerance only', () => {
    // docs.slack.dev/authentication/verifying-requests-from-slack: its example secret, timestamp, body and signature
    const raw =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
      '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const headers = {
      'x-slack-request-timestamp': '1531420618',
      'x-slack-signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    };
    const slack = verifier('slack', ['8f742231b10e8888abcd99yyyzzz85a5']);
    expect(verifyWebhook(slack, { headers, body: body(raw) }, 1531420618 + 299)).toBeNull();
    expect(verifyWebhook(slack, { headers, body: body(raw) }, 1531420618 + 301)).toMatch(/outside the 300 s tolerance/);
    expect(verifyWebhook(slack, { headers, body: body(`${raw}&x=1`) }, 1531420618)).toBe(
      'X-Slack-Signature does not match',
    );
  });

  it('Standard Webhooks v1: requests signed by the standardwebhooks package, any of several secrets, with tolerance', () => {
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signer = new Webhook(secret);
    const now = 1_700_000_000;
    const payload = '{"type":"user.created","data":{"id":"u_1"}}';
    const headers = {
      'webhook-id': 'msg_2b',
      'webhook-timestamp': String(now),
      'webhook-signature': signer.sign('msg_2b', new Date(now * 1000), payload),
    };
    const sw = verifier('standard-webhooks', ['whsec_dGhlIG9sZCBvbmU=', secret]);
    expect(verifyWebhook(sw, { headers, body: body(payload) }, now)).toBeNull();
    // the package's own verify agrees on the same bytes
    expect(() => new Webhook(secret).verify(payload, headers)).toThrow(/timestamp too old/i);
    expect(verifyWebhook(sw, { headers: { ...headers, 'webhook-id': 'msg_2c' }, body: body(payload) }, now)).toBe(
      'no webhook-signature v1 or v1a entry matches',
    );
    expect(verifyWebhook(sw, { headers, body: body(payload) }, now + 301)).toMatch(/tolerance/);
    const fresh = Math.floor(Date.now() / 1000);
    const live = { ...headers, 'webhook-timestamp': String(fresh) };
    live['webhook-signature'] = `v1,bm90IGl0 ${signer.sign('msg_2b', new Date(fresh * 1000), payload)}`;
    expect(verifyWebhook(sw, { headers: live, body: body(payload) })).toBeNull();
    expect(() => signer.verify(payload, live)).not.toThrow();
  });

  it('Standard Webhooks v1a: an Ed25519 signature of id.timestamp.body, verified with a whpk_ public key', () => {
    // The spec's asymmetric scheme: `v1a,<base64 Ed25519 signature>`, keys `whsk_`/`whpk_` + base64 of 32 raw bytes.
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    const whpk = `whpk_${raw.toString('base64')}`;
    const now = 1_700_000_000;
    const payload = '{"type":"ping"}';
    const signature = sign(null, Buffer.from(`msg_1.${now}.${payload}`), privateKey).toString('base64');
    const headers = {
      'webhook-id': 'msg_1',
      'webhook-timestamp': String(now),
      'webhook-signature': `v1a,${signature}`,
    };
    const sw = verifier('standard-webhooks', ['whsec_dGhlIG9sZCBvbmU=', whpk]);
    expect(verifyWebhook(sw, { headers, body: body(payload) }, now)).toBeNull();
    expect(verifyWebhook(sw, { headers, body: body(`${payload} `) }, now)).toBe(
      'no webhook-signature v1 or v1a entry matches',
    );
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
    expect(
      verifyWebhook(
        verifier('standard-webhooks', [`whpk_${other.toString('base64')}`]),
        { headers, body: body(payload) },
        now,
      ),
    ).not.toBeNull();
  });

  it('Stripe: t=…,v1=… per docs.stripe.com/webhooks "Verify signatures manually" (vector from openssl dgst)', () => {
    // printf '%s' '1700000000.{"id":"evt_1","type":"invoice.paid"}' | openssl dgst -sha256 -hmac whsec_test_secret
    const raw = '{"id":"evt_1","type":"invoice.paid"}';
    const signature = '46dc069361a7691082640523fa33fe5d6c8c88d5f5e257cdf8cf11539d166595';
    const stripe = verifier('stripe', ['whsec_test_secret']);
    const headers = { 'stripe-signature': `t=1700000000,v1=00ff,v1=${signature},v0=abc` };
    expect(verifyWebhook(stripe, { headers, body: body(raw) }, 1_700_000_100)).toBeNull();
    expect(verifyWebhook(stripe, { headers, body: body(raw) }, 1_700_000_301)).toMatch(/tolerance/);
    expect(
      verifyWebhook(stripe, { headers: { 'stripe-signature': `t=1700000000` }, body: body(raw) }, 1_700_000_000),
    ).toBe('Stripe-Signature has no v1 signature');
    expect(
      verifyWebhook(
        stripe,
        { headers: { 'stripe-signature': `t=1700000001,v1=${signature}` }, body: body(raw) },
        1_700_000_000,
      ),
    ).toBe('no Stripe-Signature v1 matches');
  });

  it('Shopify: base64 X-Shopify-Hmac-Sha256 of the raw body (shopify.dev "Verify webhooks"; vector from openssl dgst)', () => {
    // printf '%s' '{"id":820982911946154508,"email":"jon@example.com"}' \
    //   | openssl dgst -sha256 -hmac shpss_test -binary | base64
    const raw = '{"id":820982911946154508,"email":"jon@example.com"}';
    const shopify = verifier('shopify', ['shpss_test']);
    const headers = { 'x-shopify-hmac-sha256': 'ZPINS/5npCYM+nR4R+feUuIZGvjL1Ncj6BUOKdHVNKQ=' };
    expect(verifyWebhook(shopify, { headers, body: body(raw) })).toBeNull();
    // parsing and re-serializing JSON changes the bytes (the big id loses precision): the raw body is what is signed
    expect(verifyWebhook(shopify, { headers, body: body(JSON.stringify(JSON.parse(raw))) })).not.toBeNull();
  });

  it('generic hmac: header, algorithm, encoding and prefix (sha512 base64 vector from openssl dgst)', () => {
    // printf '%s' 'Hello, World!' | openssl dgst -sha512 -hmac k -binary | base64
    const sig = 'bL+01rTCtNdDuCU+WqapOgDONEHjlTLI+BFHu3+ThrxOyFMUesoszps/aejpbr8jp9oo9JNM452scI4mh7eBgA==';
    const custom = verifier('hmac', ['k'], { header: 'x-sig', algorithm: 'sha512', encoding: 'base64', prefix: 'v=' });
    expect(verifyWebhook(custom, { headers: { 'x-sig': `v=${sig}` }, body: body('Hello, World!') })).toBeNull();
    expect(verifyWebhook(custom, { headers: { 'x-sig': sig }, body: body('Hello, World!') })).toBe(
      'x-sig does not start with "v="',
    );
    expect(verifyWebhook(verifier('none', []), { headers: {}, body: body('') })).toBeNull();
  });

  it('generic hmac on a header named like an Object property: absent, a rejection (never a thrown TypeError)', () => {
    const inherited = verifier('hmac', ['k'], { header: 'constructor' });
    expect(verifyWebhook(inherited, { headers: {}, body: body('x') })).toBe('constructor is missing');
  });
});
