import fc from 'fast-check';
import type { Json } from './operations.js';

const DAY_MS = 86_400_000;
const ascii = (maxLength: number, minLength = 0) => fc.string({ unit: 'grapheme-ascii', minLength, maxLength });
const word = (maxLength: number) => fc.stringMatching(new RegExp(`^[a-z][a-z0-9-]{0,${maxLength - 1}}$`));
/** 1 to 300 days ahead (or behind), to the millisecond. */
const instant = (sign: 1 | -1) =>
  fc.integer({ min: DAY_MS, max: 300 * DAY_MS }).map((ms) => new Date(Date.now() + sign * ms).toISOString());

/** Targets a production gateway takes: public names, a public IP, userinfo, a homoglyph host (punycoded). */
const PUBLIC_TARGETS = [
  'https://example.com/hook',
  'http://example.org:8080/a/b?c=d',
  'https://93.184.216.34/x',
  'https://user:pass@example.com/',
  'https://exаmple.com/', // Cyrillic а
  'https://ｅｘａｍｐｌｅ.com/', // fullwidth
  'https://127.0.0.1.nip.io/',
];

/**
 * What the server takes beyond what the schema says (a cron it can parse, a duration inside its limits,
 * an IANA zone), by property name: without them almost every "valid" request would be a 400.
 */
export function hintsFor(context: { queue: string }): Record<string, fc.Arbitrary<unknown>> {
  const target = fc.constantFrom(...PUBLIC_TARGETS);
  const duration = fc.integer({ min: 1, max: 3_600 }).map((n) => `${n}s`);
  return {
    url: target,
    callbackUrl: target,
    failureCallbackUrl: target,
    cron: fc.constantFrom('0 9 * * *', '*/5 * * * *', '@hourly', '0 0 1 * *', '0 0 9 * * 1-5'),
    timezone: fc.constantFrom('UTC', 'Europe/Amsterdam', 'America/New_York', 'Asia/Kolkata'),
    delay: duration,
    interval: duration,
    overlap: duration,
    runAt: instant(1),
    expiresAt: instant(1),
    createdAfter: instant(-1),
    createdBefore: instant(-1),
    plan: fc.constant('pro'),
    expectedBodyPattern: fc.constantFrom('ok', '"ok":\\s*true', null),
    label: fc.tuple(word(10), ascii(20)).map(([k, v]) => `${k}:${v}`),
    labels: fc.dictionary(word(10), ascii(20), { maxKeys: 3 }),
    headers: fc.dictionary(
      word(12).map((k) => `x-${k}`),
      ascii(40),
      { maxKeys: 3 },
    ),
    queue: fc.constantFrom(undefined, context.queue),
    every: fc.integer({ min: 10, max: 3_600 }).map((n) => `${n}s`),
    grace: duration,
    maxRuntime: duration,
    minRuntime: duration,
    bodyPattern: fc.constantFrom('ok', '"ok":\\s*true'),
    // Opaque: only the server makes one.
    cursor: fc.constant(undefined),
  };
}

/** Values valid against a resolved JSON Schema (2020-12, as OpenAPI 3.1 writes it), small and varied. */
export function valid(schema: Json, hints: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  const branches = (schema.anyOf ?? (schema.properties ? undefined : schema.oneOf)) as Json[] | undefined;
  if (branches) return fc.oneof(...branches.map((b) => valid(b, hints)));
  const types = ([] as string[]).concat((schema.type as string | string[] | undefined) ?? 'object');
  const nonNull = types.filter((t) => t !== 'null');
  if (nonNull.length === 0) return fc.constant(null);
  const value = validOfType(nonNull[0]!, schema, hints);
  return types.includes('null') ? fc.option(value, { nil: null, freq: 5 }) : value;
}

function validOfType(type: string, schema: Json, hints: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const n = (key: string) => schema[key] as number | undefined;
  switch (type) {
    case 'integer':
      return fc.integer({ min: n('minimum') ?? -1_000_000, max: n('maximum') ?? 1_000_000 });
    case 'number':
      return fc.double({ min: n('minimum') ?? -1e6, max: n('maximum') ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string': {
      if (schema.format === 'date-time') return instant(1);
      const max = Math.min(n('maxLength') ?? 40, 40);
      if (typeof schema.pattern === 'string')
        return fc.stringMatching(new RegExp(schema.pattern as string)).filter((s) => s.length <= max);
      return ascii(max, n('minLength') ?? 0);
    }
    case 'array':
      return fc.array(valid(schema.items as Json, hints), {
        minLength: n('minItems') ?? 0,
        maxLength: Math.max(n('minItems') ?? 0, Math.min(n('maxItems') ?? 3, 3)),
      });
    default:
      return validObject(schema, hints);
  }
}

function validObject(schema: Json, hints: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  if (Object.keys(properties).length === 0) {
    const values = schema.additionalProperties;
    const names = (schema.propertyNames as Json | undefined)?.pattern;
    const key =
      typeof names === 'string' ? fc.stringMatching(new RegExp(names)).filter((k) => k.length <= 40) : word(10);
    return values && typeof values === 'object'
      ? fc.dictionary(key, valid(values as Json, hints), {
          minKeys: (schema.minProperties as number | undefined) ?? 0,
          maxKeys: 3,
        })
      : fc.constant({});
  }
  const required = (schema.required ?? []) as string[];
  // `oneOf` of `required` lists: exactly one of those properties (a schedule's cron or interval).
  const alternatives = ((schema.oneOf ?? [{ required: [] }]) as Json[]).map((b) => (b.required ?? []) as string[]);
  return fc.oneof(
    ...alternatives.map((own) => {
      const others = new Set(alternatives.flat().filter((p) => !own.includes(p)));
      const arbitraries = Object.fromEntries(
        Object.entries(properties)
          .filter(([name]) => !others.has(name))
          .map(([name, s]) => [name, hints[name] ?? valid(s, hints)]),
      );
      return fc
        .record(arbitraries, { requiredKeys: [...required, ...own].filter((p) => p in arbitraries) })
        .map((record) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)));
    }),
  );
}

/** A string of `depth` nested objects: deeper than the input guard's 32 levels. */
const deep = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

/** Forms of loopback, private and metadata addresses a production gateway refuses (TARGET_NOT_ALLOWED). */
export const PRIVATE_TARGETS = [
  'http://127.1/',
  'http://0x7f000001/',
  'http://2130706433/',
  'http://[::ffff:127.0.0.1]/',
  'http://[::1]/',
  'http://0.0.0.0/',
  'http://localhost./',
  'http://example.com@127.0.0.1/',
  'http://user:pass@10.0.0.1:8080/',
  'http://169.254.169.254/latest/meta-data',
  'http://[fd00::1]/',
  'http://0177.0.0.1/',
];

/** Values no field of `schema` may hold: the server must answer 4xx, never 2xx or 5xx. */
export function invalidFor(schema: Json, name: string): unknown[] {
  const values: unknown[] = ['a\u0000b', '\ud800', deep(1_000), [deep(40)]];
  const types = ([] as string[]).concat((schema.type as string | string[] | undefined) ?? 'object');
  const nullable = types.includes('null') || ((schema.anyOf ?? []) as Json[]).some((b) => b.type === 'null');
  if (!nullable) values.push(null);
  if (schema.enum) values.push('not-one-of-them');
  if (types.includes('integer') || types.includes('number')) {
    values.push('1e308', 'NaN', '12', true);
    if (schema.maximum !== undefined) values.push(1e308);
    if (schema.minimum !== undefined) values.push(-1e308);
    if (typeof schema.minimum === 'number' && schema.minimum > 0) values.push(-0);
    if (types.includes('integer')) values.push(1.5);
  }
  if (types.includes('string')) {
    values.push(42, ['x'], { x: 'y' });
    if (typeof schema.maxLength === 'number') values.push('x'.repeat(schema.maxLength + 1));
    if (schema.format === 'date-time')
      values.push('2026-02-30T25:61:00Z', '2027-02-29T00:00:00Z', '2026-13-01T00:00:00Z', 'tomorrow', '');
  }
  if (types.includes('boolean')) values.push('true', 1);
  if (types.includes('array')) values.push('x', { 0: 'x' });
  if (/url$/i.test(name)) values.push(...PRIVATE_TARGETS, 'javascript:alert(1)', 'ftp://example.com/', '//example.com');
  return values;
}

/** Every (path, sub-schema) of a value built from `schema`: where a mutation can land. */
export function fieldsOf(schema: Json, value: unknown, path: string[] = []): { path: string[]; schema: Json }[] {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const sub = properties[key] ?? (schema.additionalProperties as Json | undefined);
    if (!sub || typeof sub !== 'object') return [];
    const resolved = ((sub.anyOf as Json[] | undefined)?.find((b) => b.properties) ?? sub) as Json;
    return [{ path: [...path, key], schema: sub }, ...fieldsOf(resolved, child, [...path, key])];
  });
}

/** A copy of `value` with `path` set to `replacement`. */
export function withField(value: unknown, path: string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = { ...(value as Record<string, unknown>) };
  copy[path[0]!] = withField(copy[path[0]!], path.slice(1), replacement);
  return copy;
}
