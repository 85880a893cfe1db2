import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { RE2JS } from 're2js';
import {
  ErrorCode,
  formatDuration,
  hasMaskedUserinfo,
  HEADER_NAME,
  isMaskedHeaderValue,
  MASKED_CREDENTIAL,
  parseDuration,
  parseInstant,
  RESERVED_HEADERS,
  TaskLimits,
  targetRefusal,
} from '@hourglass/domain';
import { validationContext } from '@hourglass/platform';

/** A masked credential sent back (a read of a task, edited and sent again) is refused rather than stored as `***`. */
const SEND_REAL = 'send the real value, or leave the field out to keep the stored one';

type Check = (value: unknown, args: ValidationArguments) => string | undefined;

/** A property decorator from one function returning the failure message, or undefined when valid. */
export function constraint(name: string, check: Check, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    let lastMessage = '';
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value, args) => {
          lastMessage = check(value, args!) ?? '';
          return lastMessage === '';
        },
        defaultMessage: () => lastMessage,
      },
    });
  };
}

/**
 * Spaces and control characters: WHATWG URL parsing drops some silently, so the stored text would not be what is sent.
 */
const URL_UNSAFE = /[\u0000-\u0020\u007f]/;

export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > TaskLimits.maxUrlLength || URL_UNSAFE.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export const IsHttpUrl = () =>
  constraint('isHttpUrl', (v) =>
    isHttpUrl(v)
      ? undefined
      : typeof v === 'string' && v.length > TaskLimits.maxUrlLength
        ? `must be at most ${TaskLimits.maxUrlLength} characters`
        : 'must be an absolute http(s) URL',
  );

/**
 * An http(s) URL the deployment lets tasks target: outside local mode an IP literal in a private,
 * loopback, link-local or reserved range, or `localhost`, is 400 TARGET_NOT_ALLOWED (unless
 * HOURGLASS_ALLOW_PRIVATE_TARGETS opens it). The dispatcher checks every resolved address again
 * when it connects; that check is the authority, this one says no early and clearly.
 */
export const IsTargetUrl = (): PropertyDecorator => {
  const allowed = constraint(
    'isAllowedTarget',
    (v) => (isHttpUrl(v) ? targetRefusal(v as string, validationContext().targets) : undefined),
    { context: { code: ErrorCode.TARGET_NOT_ALLOWED } },
  );
  const unmasked = constraint('isUnmaskedUrl', (v) =>
    typeof v === 'string' && hasMaskedUserinfo(v)
      ? `has the masked userinfo "${MASKED_CREDENTIAL}@": ${SEND_REAL}`
      : undefined,
  );
  return (target, property) => {
    IsHttpUrl()(target, property);
    allowed(target, property);
    unmasked(target, property);
  };
};

/** A duration string (`"30s"`, `"5m"`), at most `maxMs` when given. */
export const IsDuration = (maxMs?: number) =>
  constraint('isDuration', (v) => {
    const ms = typeof v === 'string' ? parseDuration(v) : undefined;
    if (ms === undefined) return 'must be a duration like "30s", "5m", "2h" or "1d"';
    return maxMs !== undefined && ms > maxMs ? `must be at most ${formatDuration(maxMs)}` : undefined;
  });

/**
 * An RFC 3339 date-time naming a real instant (no Feb 30, no `:60`, never shifted), at most
 * `maxAheadMs` after now when given.
 */
export const IsInstant = (maxAheadMs?: number) =>
  constraint('isInstant', (v) => {
    const instant = typeof v === 'string' ? parseInstant(v) : undefined;
    if (!instant) return 'must be an RFC 3339 date-time that exists, like "2026-12-31T23:59:59Z"';
    return maxAheadMs !== undefined && instant.getTime() > Date.now() + maxAheadMs
      ? `must be at most ${formatDuration(maxAheadMs)} ahead`
      : undefined;
  });

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object of string → string with at most `maxEntries` entries. */
export const IsStringMap = (
  maxEntries: number,
  maxKeyLength: number = TaskLimits.maxLabelKeyLength,
  maxValueLength: number = TaskLimits.maxLabelValueLength,
) =>
  constraint('isStringMap', (v) => {
    if (!isPlainObject(v)) return 'must be an object of string values';
    const entries = Object.entries(v);
    if (entries.length > maxEntries) return `must have at most ${maxEntries} entries`;
    for (const [key, value] of entries) {
      if (typeof value !== 'string') return `"${key.slice(0, 100)}" must be a string`;
      if (key.length === 0 || key.length > maxKeyLength) return `keys must be 1-${maxKeyLength} characters`;
      if (value.length > maxValueLength) return `"${key}" must be at most ${maxValueLength} characters`;
    }
    return undefined;
  });

const RESERVED = new Set<string>(RESERVED_HEADERS);
/** What an HTTP client accepts in a header value (RFC 9110 field-value; Node and undici refuse the rest). */
const HEADER_VALUE = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;

/**
 * Header names must be RFC 9110 tokens and not ones the dispatcher sets itself; at most 64 headers,
 * names of at most 256 characters, values of at most 8 KB without line breaks or control characters.
 */
export const IsHeaderMap = () =>
  constraint('isHeaderMap', (v) => {
    if (!isPlainObject(v)) return 'must be an object of string values';
    const entries = Object.entries(v);
    if (entries.length > TaskLimits.maxHeaders) return `must have at most ${TaskLimits.maxHeaders} headers`;
    for (const [name, value] of entries) {
      if (name.length > TaskLimits.maxHeaderNameLength)
        return `header names must be at most ${TaskLimits.maxHeaderNameLength} characters`;
      if (!HEADER_NAME.test(name)) return `"${name}" is not a valid header name`;
      if (RESERVED.has(name.toLowerCase())) return `"${name}" is set by Hourglass and cannot be overridden`;
      if (typeof value !== 'string') return `"${name}" must be a string`;
      if (Buffer.byteLength(value) > TaskLimits.maxHeaderValueBytes)
        return `"${name}" must be at most ${TaskLimits.maxHeaderValueBytes} bytes`;
      if (!HEADER_VALUE.test(value)) return `"${name}" must be a string without line breaks or control characters`;
      if (isMaskedHeaderValue(name, value)) return `"${name}" is the masked value "${MASKED_CREDENTIAL}": ${SEND_REAL}`;
    }
    return undefined;
  });

export const MaxUtf8Bytes = (max: number) =>
  constraint('maxUtf8Bytes', (v) =>
    typeof v === 'string' && Buffer.byteLength(v) > max ? `must be at most ${max} bytes` : undefined,
  );

/** Set on one of two mutually exclusive fields; fails when the other is present too. */
export const ExclusiveWith = (other: string) =>
  constraint('exclusiveWith', (_v, args) =>
    (args.object as Record<string, unknown>)[other] !== undefined ? `cannot be combined with ${other}` : undefined,
  );

/**
 * Compiled with RE2 (linear time, no backreferences or lookaround), as the dispatcher will; the length is checked
 * first.
 */
export const IsRe2Pattern = (maxLength: number = TaskLimits.maxExpectedBodyPatternLength) =>
  constraint('isRe2Pattern', (v) => {
    if (typeof v !== 'string') return undefined;
    if (v.length > maxLength) return `must be at most ${maxLength} characters`;
    try {
      RE2JS.compile(v);
      return undefined;
    } catch (error) {
      return `must be a valid RE2 pattern (${(error as Error).message})`;
    }
  });
