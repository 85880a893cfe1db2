import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpDeliveryClient } from './http-client.js';
import { SsrfGuard } from './ssrf-guard.js';

/** Listens on `::` (dual-stack) when the machine has IPv6, so 127.0.0.1, ::1, 0.0.0.0 and mapped forms all reach it. */
async function listenOnLoopback(server: Server): Promise<{ port: number; ipv6: boolean }> {
  for (const host of ['::', '0.0.0.0']) {
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false)).listen(0, host, () => resolve(true));
    });
    if (ok) return { port: (server.address() as AddressInfo).port, ipv6: host === '::' };
  }
  throw new Error('cannot listen on loopback');
}

describe('SSRF guard at connect time', () => {
  const server = createServer((_req, res) => void res.end('reached'));
  let connections = 0;
  let port = 0;
  let ipv6 = false;
  const blockAll = new HttpDeliveryClient({ guard: new SsrfGuard([]), userAgent: 'Hourglass/test' });

  beforeAll(async () => {
    server.on('connection', () => connections++);
    ({ port, ipv6 } = await listenOnLoopback(server));
  });
  afterAll(async () => {
    await blockAll.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const targets = () => [
    `http://127.0.0.1:${port}/`,
    `http://0.0.0.0:${port}/`,
    `http://2130706433:${port}/`, // decimal 127.0.0.1
    `http://0x7f000001:${port}/`, // hex
    `http://017700000001:${port}/`, // octal
    `http://127.1:${port}/`,
    `http://localhost:${port}/`, // hostname: refused by the lookup, after resolution
    ...(ipv6 ? [`http://[::1]:${port}/`, `http://[::ffff:127.0.0.1]:${port}/`, `http://[::]:${port}/`] : []),
  ];

  it('refuses every spelling of a loopback target without ever connecting', async () => {
    const results = [];
    for (const url of targets()) {
      const record = await blockAll.deliver({ url, method: 'POST', headers: {}, body: 'x', timeoutMs: 5_000 });
      results.push([url, record.result, record.statusCode]);
      expect(record.error).toMatch(/not allowed/);
    }
    expect(results).toEqual(targets().map((url) => [url, { kind: 'error', error: 'blocked' }, null]));
    expect(connections).toBe(0);
  });

  it('connects to the same targets once the operator allows loopback (the counter works)', async () => {
    const allowed = new HttpDeliveryClient({
      guard: new SsrfGuard(['127.0.0.0/8', '::1/128']),
      userAgent: 'Hourglass/test',
    });
    try {
      for (const url of [`http://127.0.0.1:${port}/`, `http://localhost:${port}/`]) {
        const record = await allowed.deliver({ url, method: 'GET', headers: {}, body: null, timeoutMs: 5_000 });
        expect([url, record.result]).toEqual([url, { kind: 'response', statusCode: 200 }]);
      }
      expect(connections).toBeGreaterThan(0);
    } finally {
      await allowed.close();
    }
  });

  it("lets everything through in local mode ('all')", async () => {
    const local = new HttpDeliveryClient({ guard: new SsrfGuard('all'), userAgent: 'Hourglass/test' });
    try {
      const record = await local.deliver({
        url: `http://0.0.0.0:${port}/`,
        method: 'GET',
        headers: {},
        body: null,
        timeoutMs: 5_000,
      });
      expect(record.responseBody).toBe('reached');
    } finally {
      await local.close();
    }
  });
});
