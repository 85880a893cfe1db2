import type { InboundEndpointRow } from '@hourglass/db';
import { dedupKeyOf, forwardHeaders, matches, parseJson, type ReceivedRequest } from './inbound-request.js';

const request = (json: object, headers: Record<string, string> = {}, query: Record<string, string> = {}) => {
  const body = Buffer.from(JSON.stringify(json));
  return { method: 'POST', path: '/in/x', query, headers, body, json: parseJson(body) } as ReceivedRequest;
};
const endpoint = (provider: string, extra: Partial<InboundEndpointRow> = {}) =>
  ({
    id: 'e',
    verify: { provider, secrets: [], toleranceSeconds: 300 },
    dedupKey: null,
    dedupWindowMs: 86_400_000,
    ...extra,
  }) as InboundEndpointRow;

describe('inbound requests: filters, dedup keys, forwarded headers', () => {
  it('filters by body path, header and query, each condition one of its values', () => {
    const r = request({ type: 'invoice.paid', data: { object: { amount: 5 } } }, { 'x-event': 'a' }, { env: 'prod' });
    expect(matches(null, r)).toBe(true);
    expect(matches({ 'body.type': ['invoice.paid', 'invoice.failed'] }, r)).toBe(true);
    expect(matches({ 'body.data.object.amount': [5] }, r)).toBe(true);
    expect(matches({ 'body.type': ['invoice.paid'], 'headers.x-event': ['b'] }, r)).toBe(false);
    expect(matches({ 'query.env': ['prod'] }, r)).toBe(true);
    expect(matches({ 'body.data': ['[object Object]'] }, r)).toBe(false);
    expect(matches({ 'body.__proto__.x': ['1'] }, r)).toBe(false);
  });

  it('reads headers and query parameters as own properties only, never inherited ones', () => {
    const r = request({}, { 'x-event': 'a' }, { env: 'prod' });
    const inherited = [String(Object), String(Object.prototype.toString), '[object Object]'];
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(matches({ [`headers.${name}`]: inherited }, r)).toBe(false);
      expect(matches({ [`query.${name}`]: inherited }, r)).toBe(false);
    }
    const byHeader = endpoint('none', { dedupKey: 'header:constructor' });
    expect(dedupKeyOf(byHeader, r)).toBeNull();
    const forward = { id: 'f', url: 'https://t', filter: null, headers: ['constructor', 'tostring'] };
    expect(Object.keys(forwardHeaders(forward, r, { eventId: 'ev', endpointId: 'en' }))).toEqual([
      'hourglass-event-id',
      'hourglass-endpoint-id',
    ]);
  });

  it('dedups by the provider key, a configured key, or not at all', () => {
    expect(dedupKeyOf(endpoint('stripe'), request({ id: 'evt_1' }))).toBe('body:id=evt_1');
    expect(dedupKeyOf(endpoint('github'), request({}, { 'x-github-delivery': 'd' }))).toBe(
      'header:x-github-delivery=d',
    );
    expect(dedupKeyOf(endpoint('standard-webhooks'), request({}, { 'webhook-id': 'm' }))).toBe('header:webhook-id=m');
    expect(dedupKeyOf(endpoint('shopify'), request({}, { 'x-shopify-webhook-id': 's' }))).toBe(
      'header:x-shopify-webhook-id=s',
    );
    expect(dedupKeyOf(endpoint('none'), request({ id: 1 }))).toBeNull();
    expect(dedupKeyOf(endpoint('none', { dedupKey: 'body:meta.key' }), request({ meta: { key: 7 } }))).toBe(
      'body:meta.key=7',
    );
    expect(dedupKeyOf(endpoint('stripe', { dedupWindowMs: 0 }), request({ id: 'evt_1' }))).toBeNull();
    expect(dedupKeyOf(endpoint('stripe'), request({ id: { nested: true } }))).toBeNull();
  });

  it('forwards only allow-listed headers, never signing or reserved ones, plus the event and endpoint ids', () => {
    const r = request(
      {},
      {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-secret': 's',
        'x-mine': 'm',
        authorization: 'Bearer t',
        'webhook-id': 'theirs',
        host: 'in.example.com',
      },
    );
    const forward = { id: 'f', url: 'https://t', filter: null, headers: ['x-mine', 'webhook-id', 'host'] };
    expect(forwardHeaders(forward, r, { eventId: 'ev', endpointId: 'en' })).toEqual({
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-mine': 'm',
      'hourglass-event-id': 'ev',
      'hourglass-endpoint-id': 'en',
    });
  });
});
