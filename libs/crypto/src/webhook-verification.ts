import { createHmac, createPublicKey, type KeyObject, timingSafeEqual, verify as verifySignature } from 'node:crypto';

/**
 * Signature checks of inbound webhooks, on the raw body bytes (docs/decisions/0020). Every check
 * recomputes the provider's MAC with each configured secret (rotation) and compares it in constant
 * time with each signature the request carries; timestamps outside the tolerance are refused.
 */
export type WebhookProvider = 'none' | 'standard-webhooks' | 'stripe' | 'github' | 'shopify' | 'slack' | 'hmac';

export interface WebhookVerifier {
  provider: WebhookProvider;
  secrets: readonly string[];
  toleranceSeconds: number;
  /** `hmac`: the header holding the signature (lowercase). */
  header?: string;
  algorithm?: 'sha256' | 'sha512';
  encoding?: 'hex' | 'base64';
  prefix?: string;
}

/** A request as received: header names lowercase, the body exactly as sent. */
export interface SignedRequest {
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

/** A request header by name, own properties only (a configured name like `constructor` is just absent). */
const headerOf = (req: SignedRequest, name: string): string | undefined =>
  Object.hasOwn(req.headers, name) ? req.headers[name] : undefined;

/** null: verified; otherwise why not (stored as the event's `rejection`). */
export type Rejection = string | null;

type Mac = (secret: string) => Buffer;

const hmac = (algorithm: string, key: string | Buffer, ...parts: (string | Buffer)[]): Buffer => {
  const mac = createHmac(algorithm, key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/** Constant time for equal lengths; a length mismatch says only what the length already shows. */
function same(expected: Buffer, given: Buffer): boolean {
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Whether any signature matches the MAC of any secret. Every pair is compared (no early exit per secret). */
function anyMatches(secrets: readonly string[], mac: Mac, signatures: Buffer[]): boolean {
  let matched = false;
  for (const secret of secrets) {
    const expected = mac(secret);
    for (const signature of signatures) if (same(expected, signature)) matched = true;
  }
  return matched;
}

function timestampProblem(raw: string | undefined, name: string, toleranceSeconds: number, now: number): Rejection {
  if (raw === undefined) return `${name} is missing`;
  if (!/^\d{1,12}$/.test(raw.trim())) return `${name} is not a Unix time`;
  const age = Math.abs(now - Number(raw.trim()));
  return age > toleranceSeconds ? `${name} is outside the ${toleranceSeconds} s tolerance` : null;
}

/** SubjectPublicKeyInfo DER prefix of a raw 32-byte Ed25519 public key (RFC 8410). */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function ed25519Key(secret: string): KeyObject | null {
  const raw = Buffer.from(secret.slice('whpk_'.length), 'base64');
  if (raw.length !== 32) return null;
  try {
    return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/**
 * Standard Webhooks: signed `id.timestamp.body`; `v1,<base64>` (HMAC-SHA256 keyed by a `whsec_`
 * secret) and `v1a,<base64>` (Ed25519, verified with a `whpk_` public key) entries, space separated.
 */
function standardWebhooks(v: WebhookVerifier, req: SignedRequest, now: number): Rejection {
  const id = headerOf(req, 'webhook-id');
  const timestamp = headerOf(req, 'webhook-timestamp');
  const header = headerOf(req, 'webhook-signature');
  if (!id || !header) return 'webhook-id or webhook-signature is missing';
  const late = timestampProblem(timestamp, 'webhook-timestamp', v.toleranceSeconds, now);
  if (late) return late;
  const entries = header.split(' ');
  const signed = (version: string) =>
    entries
      .filter((entry) => entry.startsWith(`${version},`))
      .map((e) => Buffer.from(e.slice(version.length + 1), 'base64'));
  const symmetric = v.secrets.filter((secret) => !secret.startsWith('whpk_'));
  const key = (secret: string) => Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const mac: Mac = (secret) => hmac('sha256', key(secret), `${id}.${timestamp}.`, req.body);
  if (anyMatches(symmetric, mac, signed('v1'))) return null;
  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), req.body]);
  const publicKeys = v.secrets.filter((secret) => secret.startsWith('whpk_')).map(ed25519Key);
  for (const publicKey of publicKeys)
    for (const signature of signed('v1a'))
      if (publicKey && signature.length === 64 && verifySignature(null, content, publicKey, signature)) return null;
  return 'no webhook-signature v1 or v1a entry matches';
}

/** Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]`, HMAC-SHA256 of `t.body` keyed by the whole secret. */
function stripe(v: WebhookVerifier, req: SignedRequest, now: number): Rejection {
  const header = headerOf(req, 'stripe-signature');
  if (!header) return 'Stripe-Signature is missing';
  const pairs = header.split(',').map((pair) => pair.trim().split('=', 2) as [string, string | undefined]);
  const timestamp = pairs.find(([key]) => key === 't')?.[1];
  const late = timestampProblem(timestamp, 'Stripe-Signature t', v.toleranceSeconds, now);
  if (late) return late;
  const signatures = pairs.filter(([key]) => key === 'v1').map(([, value]) => Buffer.from(value ?? '', 'hex'));
  if (signatures.length === 0) return 'Stripe-Signature has no v1 signature';
  const mac: Mac = (secret) => hmac('sha256', secret, `${timestamp}.`, req.body);
  return anyMatches(v.secrets, mac, signatures) ? null : 'no Stripe-Signature v1 matches';
}

/** One header carrying `prefix` + the encoded HMAC of the body (GitHub, Shopify and generic `hmac`). */
function bodyHmac(
  v: WebhookVerifier,
  req: SignedRequest,
  header: string,
  algorithm: string,
  encoding: 'hex' | 'base64',
  prefix: string,
): Rejection {
  const value = headerOf(req, header);
  if (!value) return `${header} is missing`;
  if (!value.startsWith(prefix)) return `${header} does not start with "${prefix}"`;
  const signature = Buffer.from(value.slice(prefix.length).trim(), encoding);
  const mac: Mac = (secret) => hmac(algorithm, secret, req.body);
  return anyMatches(v.secrets, mac, [signature]) ? null : `${header} does not match`;
}

/** Slack: `X-Slack-Signature: v0=<hex>` of `v0:<X-Slack-Request-Timestamp>:<body>`. */
function slack(v: WebhookVerifier, req: SignedRequest, now: number): Rejection {
  const timestamp = headerOf(req, 'x-slack-request-timestamp');
  const late = timestampProblem(timestamp, 'X-Slack-Request-Timestamp', v.toleranceSeconds, now);
  if (late) return late;
  const value = headerOf(req, 'x-slack-signature');
  if (!value?.startsWith('v0=')) return 'X-Slack-Signature is missing or not v0';
  const mac: Mac = (secret) => hmac('sha256', secret, `v0:${timestamp}:`, req.body);
  return anyMatches(v.secrets, mac, [Buffer.from(value.slice(3), 'hex')]) ? null : 'X-Slack-Signature does not match';
}

/** Checks `req` as `v.provider` signs; `now` in Unix seconds. */
export function verifyWebhook(v: WebhookVerifier, req: SignedRequest, now = Math.floor(Date.now() / 1000)): Rejection {
  switch (v.provider) {
    case 'none':
      return null;
    case 'standard-webhooks':
      return standardWebhooks(v, req, now);
    case 'stripe':
      return stripe(v, req, now);
    case 'github':
      return bodyHmac(v, req, 'x-hub-signature-256', 'sha256', 'hex', 'sha256=');
    case 'shopify':
      return bodyHmac(v, req, 'x-shopify-hmac-sha256', 'sha256', 'base64', '');
    case 'slack':
      return slack(v, req, now);
    case 'hmac':
      return bodyHmac(v, req, v.header ?? '', v.algorithm ?? 'sha256', v.encoding ?? 'hex', v.prefix ?? '');
  }
}
