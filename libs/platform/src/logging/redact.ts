import { isCredentialName } from '@hourglass/domain';

/**
 * What a log line may carry: ids, codes, sizes, paths. Customer data (a task's headers and body, a target's
 * query string or userinfo, a response body, the values bound to a failed SQL statement) is replaced before
 * pino serializes anything, whichever call site logged it and however deep it sits.
 */
export const REDACTED = '[redacted]';

/**
 * Keys whose values are never logged, compared lower-case, at any depth; besides these, every credential
 * header name (isCredentialName, the rule response masking uses too: authorization, cookie, *-key, …).
 */
const SECRET_KEYS = new Set([
  'headers',
  'responseheaders',
  'body',
  'requestbody',
  'responsebody',
  'payload',
  'parameters',
  'drivererror',
  'query',
  'sql',
  'detail',
  'where',
  'internalquery',
  'signingsecret',
  'secret',
  'key',
  'token',
  'password',
]);

const MAX_DEPTH = 8;

// scheme://userinfo@ → scheme://[redacted]@ ; ?query (up to whitespace, quote or fragment) → ?[redacted]
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;
const QUERY = /(?<=[\w/.%~-])\?[^\s"'<>#]+/g;
// Values PostgreSQL quotes in its messages: invalid input syntax for type uuid: "…"
const QUOTED = /"[^"\n]*"/g;

/** A string with every URL's userinfo and query replaced. */
export function redactString(text: string): string {
  return text.replace(USERINFO, `$1${REDACTED}@`).replace(QUERY, `?${REDACTED}`);
}

/** An error's message or stack: URL parts and every double-quoted value replaced. */
export function redactErrorText(text: string): string {
  return redactString(text).replace(QUOTED, `"${REDACTED}"`);
}

/**
 * An error as name, code, message and stack (quoted values and URL parts replaced) and its cause; other own
 * properties go through the same redaction, so `parameters`, `query` and `driverError` never appear.
 */
export function redactError(error: Error, seen: WeakSet<object> = new WeakSet(), depth = 0): Record<string, unknown> {
  seen.add(error);
  const out: Record<string, unknown> = { type: error.name || error.constructor?.name || 'Error' };
  for (const [name, value] of Object.entries(error)) {
    if (name === 'message' || name === 'stack' || name === 'cause') continue;
    out[name] = redactEntry(name, value, seen, depth + 1);
  }
  out.message = redactErrorText(String(error.message ?? ''));
  if (typeof error.stack === 'string') out.stack = redactErrorText(error.stack);
  if (error.cause !== undefined) out.cause = redactValue(error.cause, seen, depth + 1);
  return out;
}

function redactEntry(name: string, value: unknown, seen: WeakSet<object>, depth: number): unknown {
  const secret = SECRET_KEYS.has(name.toLowerCase()) || isCredentialName(name);
  if (secret && value !== undefined && value !== null) return REDACTED;
  return redactValue(value, seen, depth);
}

/** A copy of any value with secret keys, URL userinfo and query strings, and error details replaced. */
export function redactValue(value: unknown, seen: WeakSet<object> = new WeakSet(), depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  if (depth > MAX_DEPTH) return '[truncated]';
  if (value instanceof Error) return redactError(value, seen, depth);
  if (value instanceof Date) return value;
  if (value instanceof URL) return redactString(value.href);
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(value)) out[name] = redactEntry(name, entry, seen, depth + 1);
  return out;
}
