import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The delivery target: keep-alive node:http, answers 200 at once, counts requests and records when
 * each `webhook-id` first arrived (performance.now() of this process).
 */
export class Receiver {
  count = 0;
  firstAt?: number;
  lastAt?: number;
  readonly receivedAt = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<Receiver> {
    const server = createServer();
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const receiver = new Receiver(server, (server.address() as AddressInfo).port);
    server.on('request', (req, res) => {
      receiver.record(req.headers['webhook-id']);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '2' }).end('ok'));
    });
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  reset(): void {
    this.count = 0;
    this.firstAt = this.lastAt = undefined;
    this.receivedAt.clear();
  }

  /** Resolves with the receipt time of `id` (maybe already known), or undefined after `timeoutMs`. */
  waitFor(id: string, timeoutMs: number): Promise<number | undefined> {
    const known = this.receivedAt.get(id);
    if (known !== undefined) return Promise.resolve(known);
    return new Promise((done) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        done(undefined);
      }, timeoutMs);
      this.waiters.set(id, () => {
        clearTimeout(timer);
        done(this.receivedAt.get(id));
      });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((done) => this.server.close(() => done()));
  }

  private record(header: string | string[] | undefined): void {
    const now = performance.now();
    this.count++;
    this.firstAt ??= now;
    this.lastAt = now;
    const id = Array.isArray(header) ? header[0] : header;
    if (id === undefined || this.receivedAt.has(id)) return;
    this.receivedAt.set(id, now);
    const waiter = this.waiters.get(id);
    if (waiter) {
      this.waiters.delete(id);
      waiter();
    }
  }
}
