import { createServer as createHttpServer, type RequestListener, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { classifyDelivery } from '@hourglass/domain';
import { startHttpSink, type HttpSink } from '@hourglass/testing';
import { HttpDeliveryClient, type OutboundRequest } from './http-client.js';
import { SsrfGuard } from './ssrf-guard.js';

interface TestServer {
  port: number;
  connections: () => number;
  close: () => Promise<void>;
}

async function listen(server: Server, host = '127.0.0.1'): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  server.on('connection', (socket: Socket) => {
    accepted++;
    sockets.add(socket.on('close', () => sockets.delete(socket)));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return { port: (server.address() as AddressInfo).port, connections: () => accepted, close };
}

const httpServer = (handler: RequestListener, host?: string) => listen(createHttpServer(handler), host);

/** Writes 64 KB chunks until `totalBytes` are sent or the client goes away, honouring backpressure. */
function stream(res: ServerResponse, totalBytes: number): void {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  let sent = 0;
  const pump = (): void => {
    while (sent < totalBytes && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (!res.destroyed) res.end();
  };
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  pump();
}

const loopbackOnly = new SsrfGuard(['127.0.0.0/8']);
const post = (url: string, extra: Partial<OutboundRequest> = {}): OutboundRequest => ({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"n":1}',
  timeoutMs: 5_000,
  ...extra,
});

describe('HttpDeliveryClient', () => {
  let client: HttpDeliveryClient;
  let sink: HttpSink;
  const servers: TestServer[] = [];
  const track = async (server: Promise<TestServer>) => (servers.push(await server), servers.at(-1)!);

  beforeAll(async () => {
    client = new HttpDeliveryClient({ guard: loopbackOnly, userAgent: 'Hourglass/test' });
    sink = await startHttpSink();
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await client.close();
    await sink.close();
  });

  it('delivers a 2xx with the request body and headers, and records the response', async () => {
    sink.reply((_req, res) => void res.writeHead(201, { 'x-reply': 'yes' }).end('{"ok":true}'));
    const record = await client.deliver(
      post(`${sink.url}/hook?a=1`, { headers: { 'content-type': 'application/json', 'x-task': 't1' } }),
    );
    expect(record).toMatchObject({
      result: { kind: 'response', statusCode: 201 },
      statusCode: 201,
      responseBody: '{"ok":true}',
      responseTruncated: false,
      error: null,
    });
    expect(record.responseHeaders).toMatchObject({ 'x-reply': 'yes' });
    expect(record.finishedAt.getTime()).toBeGreaterThanOrEqual(record.startedAt.getTime());
    const [received] = sink.requests.slice(-1);
    expect(received).toMatchObject({ method: 'POST', path: '/hook?a=1', body: '{"n":1}' });
    expect(received!.headers).toMatchObject({
      'x-task': 't1',
      'user-agent': 'Hourglass/test',
      'content-type': 'application/json',
    });
  });

  it('sends no body with GET and HEAD', async () => {
    for (const method of ['GET', 'HEAD']) await client.deliver(post(`${sink.url}/${method}`, { method }));
    expect(sink.requests.slice(-2).map((r) => [r.method, r.body])).toEqual([
      ['GET', ''],
      ['HEAD', ''],
    ]);
  });

  it('classifies 500 as retryable and 410 as permanent, and keeps retry-after of a 429', async () => {
    const results = [];
    for (const [status, headers] of [
      [500, {}],
      [410, {}],
      [429, { 'retry-after': '7' }],
    ] as const) {
      sink.reply((_req, res) => void res.writeHead(status, headers).end());
      results.push((await client.deliver(post(sink.url))).result);
    }
    expect(results.map(classifyDelivery)).toEqual(['retryable', 'permanent', 'retryable']);
    expect(results[2]).toEqual({ kind: 'response', statusCode: 429, retryAfter: '7' });
  });

  it('never follows a redirect', async () => {
    const target = await track(httpServer((_req, res) => void res.end('target')));
    sink.reply((_req, res) => void res.writeHead(302, { location: `http://127.0.0.1:${target.port}/` }).end());
    const record = await client.deliver(post(sink.url));
    expect(record.result).toEqual({ kind: 'response', statusCode: 302 });
    expect(classifyDelivery(record.result)).toBe('permanent');
    expect(target.connections()).toBe(0);
  });

  it('returns invalid_url for unusable URLs and connection for a refused connect', async () => {
    const closed = await httpServer(() => undefined);
    await closed.close();
    const kinds = [];
    for (const url of ['not a url', 'ftp://example.com/x', 'file:///etc/passwd', `http://127.0.0.1:${closed.port}/`]) {
      kinds.push((await client.deliver(post(url))).result);
    }
    expect(kinds).toEqual([
      { kind: 'error', error: 'invalid_url' },
      { kind: 'error', error: 'invalid_url' },
      { kind: 'error', error: 'invalid_url' },
      { kind: 'error', error: 'connection' },
    ]);
  });

  it('refuses, as permanent, a request undici cannot send (a header value with a newline)', async () => {
    const record = await client.deliver(post(sink.url, { headers: { 'x-bad': 'a\r\nx-injected: 1' } }));
    expect(record.result).toEqual({ kind: 'error', error: 'invalid_url' });
  });

  it('reuses keep-alive connections for consecutive attempts to an origin', async () => {
    const target = await track(httpServer((_req, res) => void res.end('ok')));
    for (let i = 0; i < 10; i++) await client.deliver(post(`http://127.0.0.1:${target.port}/`));
    // undici's pool opens a second socket for the second request (the first is not yet marked free), then reuses.
    expect(target.connections()).toBeLessThanOrEqual(2);
  });

  describe('one deadline for the whole attempt', () => {
    const expectTimeout = async (url: string) => {
      const record = await client.deliver(post(url, { timeoutMs: 1_000 }));
      expect(record.result).toEqual({ kind: 'error', error: 'timeout' });
      expect(record.durationMs).toBeGreaterThanOrEqual(900);
      expect(record.durationMs).toBeLessThan(10_000);
      return record;
    };

    it('times out a server that answers after 3 s', async () => {
      const slow = await track(httpServer((_req, res) => void setTimeout(() => res.end('late'), 3_000).unref()));
      await expectTimeout(`http://127.0.0.1:${slow.port}/`);
    });

    it('times out a socket that accepts and never answers', async () => {
      const silent = await track(listen(createNetServer(() => undefined)));
      await expectTimeout(`http://127.0.0.1:${silent.port}/`);
    });

    it('times out a body trickling one byte every 100 ms, keeping the status it saw', async () => {
      const trickle = await track(
        httpServer((_req, res) => {
          res.writeHead(200).write('x');
          const timer = setInterval(() => res.write('x'), 100);
          res.on('close', () => clearInterval(timer));
        }),
      );
      const record = await expectTimeout(`http://127.0.0.1:${trickle.port}/`);
      expect(record.statusCode).toBe(200);
    });
  });

  it('stores only the first 256 KB of a 1 GB body, promptly and in bounded memory', async () => {
    const huge = await track(httpServer((_req, res) => stream(res, 1024 ** 3)));
    const rssBefore = process.memoryUsage().rss;
    const record = await client.deliver(post(`http://127.0.0.1:${huge.port}/`, { timeoutMs: 60_000 }));
    expect(record).toMatchObject({ result: { kind: 'response', statusCode: 200 }, responseTruncated: true });
    expect(Buffer.byteLength(record.responseBody!)).toBe(256 * 1024);
    expect(record.durationMs).toBeLessThan(10_000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 ** 2);
  });
});
