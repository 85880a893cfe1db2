import { Writable } from 'node:stream';
import { pino } from 'pino';
import { AppLogger } from './app-logger.js';
import { REDACTED, redactString, redactValue } from './redact.js';

const SECRET = 'marker-7f3a9c';

/** An AppLogger whose pino writes to memory, to read what a call really prints. */
function capture(): { logger: AppLogger; lines: () => string } {
  const logger = new AppLogger('test', 'trace');
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString();
      done();
    },
  });
  // pino's stream is set at construction; swap it for one we can read.
  (logger.pino as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] = sink;
  return { logger, lines: () => out };
}

function queryFailed(): Error {
  const error = new Error(`invalid input syntax for type uuid: "${SECRET}"`) as Error & Record<string, unknown>;
  error.name = 'QueryFailedError';
  Object.assign(error, {
    code: '22P02',
    query: `INSERT INTO tasks (url) VALUES ($1)`,
    parameters: [`https://u:${SECRET}@example.com/p?token=${SECRET}`, { authorization: SECRET }],
    driverError: Object.assign(new Error(SECRET), { detail: `Key (id)=(${SECRET}) already exists.` }),
    detail: `Key (id)=(${SECRET}) already exists.`,
  });
  return error;
}

describe('log redaction', () => {
  it('replaces URL userinfo and query values, keeps scheme, host and path', () => {
    expect(redactString(`target https://user:${SECRET}@example.com:8443/hook/a?token=${SECRET}&b=2#frag failed`)).toBe(
      `target https://${REDACTED}@example.com:8443/hook/a?${REDACTED}#frag failed`,
    );
    expect(redactString(`GET /v1/tasks?label=${SECRET} 400`)).toBe(`GET /v1/tasks?${REDACTED} 400`);
  });

  it('replaces headers, bodies and secrets at any depth', () => {
    const out = JSON.stringify(
      redactValue({
        task: { id: 'tsk_1', request: { headers: { 'x-custom': SECRET }, body: SECRET } },
        list: [{ authorization: `Bearer ${SECRET}`, 'Idempotency-Key': SECRET, Cookie: SECRET, 'X-Hub-Token': SECRET }],
        responseBody: SECRET,
        url: `http://127.0.0.1:1/x?q=${SECRET}`,
      }),
    );
    expect(out).not.toContain(SECRET);
    expect(out).toContain('tsk_1');
  });

  it('prints a database error as type, code and message without parameters, query, driverError or values', () => {
    const { logger, lines } = capture();
    logger.pino.error({ requestId: 'req-1', err: queryFailed() }, 'unhandled error');
    logger.pino.warn(queryFailed());
    logger.warn({ msg: 'tick failed', err: queryFailed() }, 'Tick');
    logger.error(queryFailed());
    logger.error(`failed on http://x/path?k=${SECRET}`, `Error: bad "${SECRET}"\n at https://a:${SECRET}@b/c`);
    const printed = lines();
    expect(printed).not.toContain(SECRET);
    const first = JSON.parse(printed.split('\n')[0]!) as { err: Record<string, unknown>; requestId: string };
    expect(first.requestId).toBe('req-1');
    expect(first.err).toMatchObject({ type: 'QueryFailedError', code: '22P02', parameters: REDACTED });
    expect(first.err.message).toBe(`invalid input syntax for type uuid: "${REDACTED}"`);
    const second = JSON.parse(printed.split('\n')[1]!) as { err: Record<string, unknown>; msg: string };
    expect(second.err.type).toBe('QueryFailedError');
    expect(second.msg).toBe(first.err.message);
  });
});
