import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AppLogger } from './app-logger.js';
import { childLogger, traceFields } from './log-fields.js';

const SECRET = 'marker-41c9e2';

describe('log fields', () => {
  it('takes trace_id and span_id from a well-formed traceparent only', () => {
    expect(traceFields('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
    });
    expect(traceFields('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toEqual({});
    expect(traceFields(null)).toEqual({});
  });

  it("redacts a child logger's bindings, which skip the call-argument hook", () => {
    const logger = new AppLogger('test', 'info');
    let out = '';
    (logger.pino as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    childLogger(logger, { taskId: 't-1', url: `https://h/p?token=${SECRET}`, headers: { authorization: SECRET } }).info(
      'bound',
    );
    expect(JSON.parse(out)).toMatchObject({ taskId: 't-1', url: 'https://h/p?[redacted]', headers: '[redacted]' });
    expect(out).not.toContain(SECRET);
  });
});
