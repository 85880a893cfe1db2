import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OTLP/HTTP endpoint for the tracing-on runs: takes every export (http/protobuf, the
 * default protocol) and answers 200 at once, counting what arrived. It does not decode: the cost
 * measured is the services' (spans, batching, encoding, the POSTs), not a collector's.
 */
export class TraceSink {
  exports = 0;
  bytes = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<TraceSink> {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const sink = new TraceSink(server, (server.address() as AddressInfo).port);
    server.on('request', (req, res) => {
      req.on('data', (chunk: Buffer) => (sink.bytes += chunk.length));
      req.on('end', () => {
        sink.exports++;
        res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' }).end();
      });
    });
    return sink;
  }

  /** The services' env for a tracing-on run: every span sampled and exported here. */
  get env(): Record<string, string> {
    return { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${this.port}`, OTEL_TRACES_SAMPLER: 'always_on' };
  }

  close(): Promise<void> {
    return new Promise((done) => {
      this.server.closeAllConnections();
      this.server.close(() => done());
    });
  }
}
