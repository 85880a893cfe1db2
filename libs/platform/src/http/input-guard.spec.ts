import { inputProblem } from './input-guard.js';

const nest = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};

describe('inputProblem (before any DTO is built)', () => {
  it('accepts ordinary bodies, and nesting up to 32 levels', () => {
    expect(inputProblem({ request: { url: 'https://example.com', headers: { 'x-a': 'b' } }, labels: {} })).toBe(
      undefined,
    );
    expect(inputProblem(nest(32))).toBeUndefined();
    expect(inputProblem([[['é', '😀']]])).toBeUndefined();
  });

  it('refuses nesting deeper than 32 levels without recursing (depth 100,000 costs no stack)', () => {
    expect(inputProblem(nest(33))?.message).toBe('nests deeper than 32 levels');
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(inputProblem({ x: deep })).toEqual({
      field: `x${'[0]'.repeat(31)}`,
      message: 'nests deeper than 32 levels',
    });
  });

  it.each([
    [{ request: { url: 'https://example.com/\u0000' } }, 'request.url'],
    [{ tasks: [{ request: { url: 'x' } }, { labels: { a: 'b\u0000' } }] }, 'tasks[1].labels.a'],
    [{ request: { headers: { 'x y': '\u0000' } } }, 'request.headers["x y"]'],
    ['\u0000', 'body'],
  ])('names the field holding U+0000: %j → %s', (value, field) => {
    expect(inputProblem(value)).toEqual({ field, message: 'must not contain U+0000 (NUL)' });
  });

  it('refuses U+0000 in a key, and unpaired surrogates (jsonb refuses them)', () => {
    expect(inputProblem({ labels: { 'a\u0000': 'b' } })).toEqual({
      field: 'labels["a\\u0000"]',
      message: 'has a key that must not contain U+0000 (NUL)',
    });
    expect(inputProblem({ body: '\ud800' })?.message).toMatch(/unpaired surrogate/);
    expect(inputProblem({ body: 'x\udc00' })?.message).toMatch(/unpaired surrogate/);
    expect(inputProblem({ body: '\ud83d\ude00' })).toBeUndefined();
  });

  it.each([
    ['{"__proto__":{"x":1}}', '__proto__'],
    ['{"request":{"constructor":{"prototype":{"x":1}}}}', 'request.constructor'],
    ['{"tasks":[{"prototype":1}]}', 'tasks[0].prototype'],
  ])('names a prototype key, as JSON.parse keeps it (an own key): %s → %s', (raw, field) => {
    expect(inputProblem(JSON.parse(raw))).toEqual({ field, message: 'is a reserved name (a prototype key)' });
  });

  it('names query and path parameters by their name', () => {
    expect(inputProblem({ label: 'a:\u0000' }, 'query')?.field).toBe('label');
    expect(inputProblem(undefined, 'body')).toBeUndefined();
  });
});
