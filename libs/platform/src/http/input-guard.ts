import { AppError, ErrorCode, type FieldError, RequestLimits } from '@hourglass/domain';

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}

const IDENTIFIER = /^[A-Za-z_$][\w$-]*$/;
/**
 * A high surrogate not followed by a low one, or a low one not preceded by a high one (String#isWellFormed is ES2024).
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** `tasks[3].request.headers["x y"]`: the path as the validation errors name fields. */
function pathOf(frame: Frame, root: string): string {
  const keys: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) keys.push(f.key);
  let path = '';
  for (const key of keys.reverse()) {
    if (typeof key === 'number') path += `[${key}]`;
    else if (IDENTIFIER.test(key)) path += path === '' ? key : `.${key}`;
    else path += `[${JSON.stringify(key)}]`;
  }
  return path === '' ? root : path;
}

/**
 * Keys a merge or a class-transformer copy could turn into a prototype write. JSON.parse keeps them as
 * own keys (Fastify's parser is told to, so that this guard can name the field instead of a generic
 * "not valid JSON"); no field of any body or query is named so, and `prototype` was silently dropped.
 */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Why Postgres (or JSON itself) would refuse this string: NUL, or a lone UTF-16 surrogate. */
function stringProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain U+0000 (NUL)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (no unpaired surrogate)';
  return undefined;
}

/**
 * The first thing in a parsed request value (a JSON body, the query, the path parameters) that no
 * field may hold, or undefined: nesting deeper than `maxDepth`, a string or key Postgres rejects
 * (U+0000 in text and jsonb, unpaired surrogates in jsonb), or a prototype key. Iterative, so depth 100,000 costs no
 * stack; it runs before class-transformer and the idempotency hash, which recurse.
 */
export function inputProblem(
  value: unknown,
  root = 'body',
  maxDepth: number = RequestLimits.maxJsonDepth,
): FieldError | undefined {
  const stack: Frame[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const { value: current, depth } = frame;
    if (typeof current === 'string') {
      const message = stringProblem(current);
      if (message) return { field: pathOf(frame, root), message };
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth) return { field: pathOf(frame, root), message: `nests deeper than ${maxDepth} levels` };
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--)
        stack.push({ value: current[i], depth: depth + 1, parent: frame, key: i });
      continue;
    }
    const keys = Object.keys(current);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const child: Frame = { value: (current as Record<string, unknown>)[key], depth: depth + 1, parent: frame, key };
      if (PROTOTYPE_KEYS.has(key))
        return { field: pathOf(child, root), message: 'is a reserved name (a prototype key)' };
      const message = stringProblem(key);
      if (message) return { field: pathOf(child, root), message: `has a key that ${message}` };
      stack.push(child);
    }
  }
  return undefined;
}

/** Throws 400 VALIDATION_FAILED naming the field when `inputProblem` finds one. */
export function assertAcceptableInput(value: unknown, root: string): void {
  const problem = inputProblem(value, root);
  if (problem) throw new AppError(ErrorCode.VALIDATION_FAILED, 'The request is not valid', [problem]);
}
