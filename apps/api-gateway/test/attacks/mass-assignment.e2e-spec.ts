import { ADMIN_TOKEN, startGateway, type Gateway } from '../harness.js';
import { type Exchange, OpenApiContract } from '../openapi-contract.js';
import { idsFor, seedOrg, type SeededOrg, validBody } from './fixtures.js';
import { type Json, type Operation, operationsOf, pathWith, propertiesOf, resourceOf } from './operations.js';

/** Fields only the server sets, whether or not a response shows them. */
const SERVER_OWNED = [
  'id',
  'orgId',
  'org_id',
  'status',
  'attempts',
  'attemptCount',
  'createdAt',
  'updatedAt',
  'deletedAt',
  'revokedAt',
  'secretHash',
  'keyId',
  'signingSecret',
  'lastUsedAt',
  'nextRunAt',
  'version',
];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype'];

/** A value of the type the response schema gives the field, so only its being server-owned is wrong. */
function sampleOf(schema: Json | undefined): unknown {
  const types = ([] as unknown[]).concat(schema?.type ?? 'string').filter((t) => t !== 'null');
  if (schema?.enum) return (schema.enum as unknown[])[0];
  switch (types[0]) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return schema?.format === 'date-time' ? new Date().toISOString() : 'x';
  }
}

/** JSON text with `key` set as an own property at `at` (JSON.parse makes `__proto__` an own key too). */
function rawWith(body: Record<string, unknown>, at: string | undefined, key: string, value: unknown): string {
  const text = JSON.stringify(body);
  const target = at === undefined ? body : (body[at] as Record<string, unknown>);
  const inner = JSON.stringify(key) + ':' + JSON.stringify(value);
  const own = JSON.stringify(target);
  const patched = own === '{}' ? `{${inner}}` : `{${inner},${own.slice(1)}`;
  return at === undefined ? patched : text.replace(own, patched);
}

/**
 * Mass assignment, generated from /openapi.json: every operation with a JSON body, sent a valid body plus a
 * field the server owns (the fixed list, and every property of its responses the request does not declare),
 * or a prototype key at the top or one level down, answers 400 problem+json naming that field.
 */
describe('attacks: mass assignment, generated from /openapi.json', () => {
  let gw: Gateway;
  let contract: OpenApiContract;
  let operations: Operation[];
  let org: SeededOrg;
  beforeAll(async () => {
    gw = await startGateway();
    contract = await OpenApiContract.load(gw);
    operations = operationsOf(contract).filter((op) => op.body);
    org = await seedOrg(gw, contract);
  });
  afterAll(() => gw.close());

  const pathOf = (op: Operation) =>
    op.pathParams.length === 0 ? op.template : pathWith(op.template, idsFor(org, resourceOf(op.template))[0]!);
  const tokenOf = (op: Operation) => (op.admin ? ADMIN_TOKEN : org.key);

  function expectNamed(res: Exchange, field: string, where: string): void {
    const fields = ((res.body?.errors ?? []) as { field: string }[]).map((e) => e.field);
    const problem = String(res.headers['content-type']).startsWith('application/problem+json');
    if (res.status !== 400 || !problem || !fields.includes(field) || res.body.code !== 'VALIDATION_FAILED')
      throw new Error(
        `${where}: expected 400 VALIDATION_FAILED naming ${field}, got ${res.status} ${JSON.stringify(res.body)}`,
      );
  }

  it('a server-owned field in any body is 400 naming it, and the same body without it is accepted', async () => {
    let requests = 0;
    for (const op of operations) {
      const accepted = propertiesOf(op.body);
      const shown = Object.assign({}, ...op.successes.map((schema) => propertiesOf(schema))) as Record<string, Json>;
      const owned = [...new Set([...SERVER_OWNED, ...Object.keys(shown)])].filter((f) => !(f in accepted));
      for (const field of owned) {
        const body = { ...validBody(op), [field]: sampleOf(shown[field]) };
        expectNamed(
          await contract.call(op.method, pathOf(op), { token: tokenOf(op), body }),
          field,
          `${op.name} + ${field}`,
        );
        requests++;
      }
      const control = await contract.call(op.method, pathOf(op), { token: tokenOf(op), body: validBody(op) });
      expect({ op: op.name, status: Math.floor(control.status / 100) }).toEqual({ op: op.name, status: 2 });
    }
    expect(operations.length).toBeGreaterThanOrEqual(14);
    console.info(
      `mass assignment: ${operations.length} operations with a body, ${requests} server-owned fields refused`,
    );
  });

  it.each(PROTOTYPE_KEYS)(
    '%s at the top level or nested is 400 naming it, never a 500, nothing polluted',
    async (key) => {
      for (const op of operations) {
        const body = validBody(op)!;
        const nested = Object.keys(body).find(
          (k) => body[k] !== null && typeof body[k] === 'object' && !Array.isArray(body[k]),
        );
        for (const at of nested === undefined ? [undefined] : [undefined, nested]) {
          const raw = rawWith(body, at, key, { polluted: true, prototype: { polluted: true } });
          const res = await contract.call(op.method, pathOf(op), {
            token: tokenOf(op),
            body: raw,
            headers: { 'content-type': 'application/json' },
          });
          expectNamed(res, at === undefined ? key : `${at}.${key}`, `${op.name} with ${raw}`);
        }
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});
