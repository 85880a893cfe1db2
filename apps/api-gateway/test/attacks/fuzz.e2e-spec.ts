import fc from 'fast-check';
import { ErrorCode } from '@hourglass/domain';
import { ADMIN_TOKEN, startGateway, type Gateway } from '../harness.js';
import { type Exchange, OpenApiContract } from '../openapi-contract.js';
import { fieldsOf, hintsFor, invalidFor, PRIVATE_TARGETS, valid, withField } from './arbitraries.js';
import { idsFor, seedOrg, type SeededOrg } from './fixtures.js';
import { type Json, type Operation, operationsOf, pathWith, resourceOf } from './operations.js';

/** Fixed, so a failure replays; fast-check prints the counterexample, shrunk. */
const SEED = 20_261_203;
/**
 * Requests of each kind over all operations: at least 2,000 of each. Valid ones write to the database
 * (about 15 ms each on the 2-core CI machine, so ~30 s); HOURGLASS_FUZZ_VALID=300 makes a quick local run.
 */
const VALID_REQUESTS = Number(process.env.HOURGLASS_FUZZ_VALID ?? 2_000);
const INVALID_REQUESTS = 2_000;
const CODES = new Set<string>(Object.values(ErrorCode));
/** One names the other or a field inside it (a map's validator names the map, the guard the deepest level). */
const related = (a: string, b: string) =>
  a === b || [a, b].some((x) => (x === a ? b : a).startsWith(`${x}.`) || (x === a ? b : a).startsWith(`${x}[`));
const clip = (text = '') => (text.length > 1_500 ? `${text.slice(0, 1_500)}…` : text);
/** How validation errors name a body field: `request.headers.x-a`, as the input guard and the pipe do. */
const fieldName = (path: string[]) => path.join('.');

interface Request {
  body?: unknown;
  /** Appended as is (already encoded): a malformed escape must reach the server unchanged. */
  query: string;
}

/** The query parameters of an operation as one object schema, to generate them like a body. */
function querySchema(op: Operation): Json {
  return {
    type: 'object',
    properties: Object.fromEntries(op.queryParams.map((p) => [p.name, p.schema])),
    required: op.queryParams.filter((p) => p.required).map((p) => p.name),
  };
}

const encode = (query: Record<string, unknown>) =>
  new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();

/** Query values (appended raw, already encoded) a parameter of this schema refuses. */
function hostileQuery(schema: Json): string[] {
  const values = ['%00', '%ED%A0%80', 'x%E0%A4%A'];
  if (schema.type === 'integer') values.push('1e308', 'NaN', '1.5', 'abc', '-1e308');
  if (typeof schema.minimum === 'number' && schema.minimum > 0) values.push('-0', '0');
  if (schema.enum) values.push('not-one-of-them');
  if (schema.format === 'date-time') values.push('2026-02-30T25%3A61%3A00Z', '2027-02-29T00%3A00%3A00Z', 'tomorrow');
  if (typeof schema.maxLength === 'number') values.push('x'.repeat(schema.maxLength + 1));
  if (typeof schema.pattern === 'string')
    values.push(
      ...['-x', 'no-colon', '%20'].filter((v) => !new RegExp(schema.pattern as string).test(decodeURIComponent(v))),
    );
  return values;
}

/**
 * Property-based requests from the live /openapi.json (fast-check, fixed seed): for every operation with a
 * body or query parameters, valid ones (the schemas, plus what the server takes beyond them: a cron it
 * parses, a duration within its limits) and invalid ones (one field replaced by a hostile value, an
 * unknown field, a prototype key). Every answer is below 500, valid against the document (the harness),
 * problem+json with a known code when not 2xx; every invalid one is a 4xx. Production target rules (the
 * harness is not in local mode), so every private URL form is TARGET_NOT_ALLOWED.
 */
describe('attacks: property-based fuzz from /openapi.json', () => {
  let gw: Gateway;
  let contract: OpenApiContract;
  let operations: Operation[];
  let org: SeededOrg;
  const counts = { valid: 0, accepted: 0, invalid: 0 };
  beforeAll(async () => {
    gw = await startGateway();
    contract = await OpenApiContract.load(gw);
    operations = operationsOf(contract).filter((op) => op.body || op.queryParams.length > 0);
    org = await seedOrg(gw, contract);
  });
  afterAll(() => gw.close());

  const pathOf = (op: Operation) =>
    op.pathParams.length === 0 ? op.template : pathWith(op.template, idsFor(org, resourceOf(op.template))[0]!);

  async function send(op: Operation, request: Request): Promise<Exchange> {
    const path = request.query ? `${pathOf(op)}?${request.query}` : pathOf(op);
    const res = await contract.call(op.method, path, { token: op.admin ? ADMIN_TOKEN : org.key, body: request.body });
    if (res.status >= 500) throw new Error(`${op.name} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status >= 300) {
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      if (!CODES.has(res.body.code)) throw new Error(`${op.name}: unknown code ${JSON.stringify(res.body)}`);
    }
    return res;
  }

  function validRequests(op: Operation): fc.Arbitrary<Request> {
    const hints = hintsFor({ queue: idsFor(org, '/v1/queues/{name}')[0]! });
    return fc.record({
      body: op.body ? valid(op.body, hints) : fc.constant(undefined),
      query: op.queryParams.length > 0 ? valid(querySchema(op), hints).map((q) => encode(q as Json)) : fc.constant(''),
    });
  }

  /** A valid request with one thing wrong: the body field the answer must name, a private target. */
  function invalidRequests(op: Operation): fc.Arbitrary<Request & { field?: string; privateTarget?: boolean }> {
    return fc.tuple(validRequests(op), fc.nat(), fc.nat(), fc.boolean()).map(([request, i, j, inQuery]) => {
      if (op.queryParams.length > 0 && (inQuery || !op.body)) {
        const param = op.queryParams[i % op.queryParams.length]!;
        const pairs = [...hostileQuery(param.schema).map((v) => `${param.name}=${v}`), '__proto__=1', 'constructor=x'];
        const query = new URLSearchParams(request.query);
        query.delete(param.name);
        return { ...request, query: [query.toString(), pairs[j % pairs.length]].filter(Boolean).join('&') };
      }
      const fields = fieldsOf(op.body!, request.body);
      const objects = [[], ...fields.filter((f) => f.schema.properties).map((f) => f.path)];
      if (fields.length === 0 || i % 5 === 0) {
        const at = objects[j % objects.length]!;
        const key = ['unknownField', 'orgId', '__proto__', 'constructor'][i % 4]!;
        const target = at.reduce<Json>((o, k) => o[k] as Json, request.body as Json);
        return {
          ...request,
          body: withField(request.body, at, { ...target, [key]: 1 }),
          field: fieldName([...at, key]),
        };
      }
      const field = fields[i % fields.length]!;
      const hostile = invalidFor(field.schema, field.path.at(-1)!);
      const value = hostile[j % hostile.length];
      const privateTarget = typeof value === 'string' && PRIVATE_TARGETS.includes(value);
      return {
        ...request,
        body: withField(request.body, field.path, value),
        field: fieldName(field.path),
        privateTarget,
      };
    });
  }

  /** Each operation's property in turn, the operations side by side (requests wait on the database, not the CPU). */
  async function forEveryOperation<T>(
    requests: (op: Operation) => fc.Arbitrary<T>,
    total: number,
    check: (op: Operation, request: T) => Promise<void>,
  ): Promise<void> {
    const numRuns = Math.ceil(total / operations.length);
    const failures: string[] = [];
    await Promise.all(
      operations.map((op) =>
        fc
          .assert(
            fc.asyncProperty(requests(op), (request) => check(op, request)),
            { seed: SEED, numRuns, endOnFailure: true },
          )
          .catch(
            (error: Error) =>
              void failures.push(`${op.name}: ${clip(error.message)}\n${clip((error.cause as Error)?.message)}`),
          ),
      ),
    );
    if (failures.length > 0) throw new Error(failures.join('\n\n'));
  }

  it('valid requests: never a 500, every answer as the document says', async () => {
    await forEveryOperation(validRequests, VALID_REQUESTS, async (op, request) => {
      const res = await send(op, request);
      counts.valid++;
      if (res.status < 300) counts.accepted++;
    });
    expect(counts.valid).toBeGreaterThanOrEqual(VALID_REQUESTS);
    // Most valid requests are taken: the generators are not just producing 400s.
    expect(counts.accepted / counts.valid).toBeGreaterThan(0.5);
  }, 180_000);

  it('invalid requests: every one a 4xx problem+json with a known code, never accepted, never a 500', async () => {
    await forEveryOperation(invalidRequests, INVALID_REQUESTS, async (op, { field, privateTarget, ...request }) => {
      const res = await send(op, request);
      counts.invalid++;
      const named = ((res.body.errors ?? []) as { field: string }[]).map((e) => e.field);
      const wrong =
        res.status < 400 ||
        res.status >= 500 ||
        (field !== undefined && !named.some((n) => related(n, field))) ||
        (privateTarget && named.length === 1 && res.body.code !== 'TARGET_NOT_ALLOWED');
      if (wrong) throw new Error(`expected a 4xx naming ${field}, got ${res.status} ${JSON.stringify(res.body)}`);
    });
    expect(counts.invalid).toBeGreaterThanOrEqual(INVALID_REQUESTS);
    console.info(
      `fuzz: ${operations.length} operations, ${counts.valid} valid requests (${counts.accepted} 2xx), ${counts.invalid} invalid, none a 500`,
    );
  }, 180_000);

  it('the API still answers /healthz after', async () => {
    expect((await gw.http().get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
  });
});
