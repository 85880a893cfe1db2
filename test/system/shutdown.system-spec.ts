import { connect, type Socket } from 'node:net';
import { gatewayStack } from './api-client.js';

/**
 * SIGTERM with a request in flight on a kept-alive connection: that request finishes, and the one
 * pipelined behind it is answered 503 problem+json SHUTTING_DOWN (Retry-After, Connection: close).
 */
const SLOW = 60_000;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Every response on the socket until the server closes it (Content-Length framed, as Fastify sends JSON). */
function responsesOf(socket: Socket): Promise<RawResponse[]> {
  let data = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
  return new Promise((resolve, reject) => {
    socket.once('error', reject).once('close', () => {
      const out: RawResponse[] = [];
      while (data.length > 0) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) break;
        const [statusLine, ...lines] = data.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(
          lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
        );
        const length = Number(headers['content-length'] ?? 0);
        out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: data.slice(end + 4, end + 4 + length) });
        data = data.slice(end + 4 + length);
      }
      resolve(out);
    });
  });
}

/** Resolves once the listener refuses new connections: `close()` has begun. */
async function refused(port: number): Promise<void> {
  for (;;) {
    const accepted = await new Promise<boolean>((done) => {
      const probe = connect(port, '127.0.0.1');
      probe.once('connect', () => (probe.destroy(), done(true))).once('error', () => done(false));
    });
    if (!accepted) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('system: api-gateway shutdown on a kept-alive connection', () => {
  const stack = gatewayStack();

  it(
    'finishes the in-flight request and answers the next one SHUTTING_DOWN',
    async () => {
      const { gateway, key } = stack;
      const port = Number(new URL(gateway.url).port);
      const body = JSON.stringify({ request: { url: 'http://127.0.0.1:9/drained' } });
      const socket = connect(port, '127.0.0.1');
      await new Promise((r) => socket.once('connect', r));
      const responses = responsesOf(socket);
      const continued = new Promise<void>((resolve) =>
        socket.on('data', (chunk: string) => chunk.includes('100 Continue') && resolve()),
      );
      // The headers and half the body: the server has routed the request (100 Continue) and waits for the rest.
      socket.write(
        `POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nAuthorization: Bearer ${key}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n` +
          body.slice(0, 10),
      );
      await continued;
      gateway.child.kill('SIGTERM');
      await refused(port);
      socket.write(
        `${body.slice(10)}GET /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n\r\n`,
      );
      const [created, refusedNext, ...rest] = (await responses).filter((r) => r.status !== 100);
      expect(rest).toEqual([]);
      expect(created!.status).toBe(201);
      expect(refusedNext).toMatchObject({ status: 503, headers: { 'retry-after': '1', connection: 'close' } });
      expect(refusedNext!.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(refusedNext!.body)).toMatchObject({ status: 503, code: 'SHUTTING_DOWN' });
      // Once closed it exits 0 (not by the signal re-raised): a clean exit to a supervisor.
      expect(await gateway.exited).toBe(0);
    },
    SLOW,
  );
});
