import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { RE2JS } from 're2js';
import { HEADER_NAME, parseDuration, RESERVED_HEADERS } from '@hourglass/domain';

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

export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2048) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export const IsHttpUrl = () =>
  constraint('isHttpUrl', (v) => (isHttpUrl(v) ? undefined : 'must be an absolute http(s) URL'));

export const IsDuration = () =>
  constraint('isDuration', (v) =>
    typeof v === 'string' && parseDuration(v) !== undefined
      ? undefined
      : 'must be a duration like "30s", "5m", "2h" or "1d"',
  );

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** An object of string → string with at most `maxEntries` entries. */
export const IsStringMap = (maxEntries: number, maxKeyLength = 100, maxValueLength = 1000) =>
  constraint('isStringMap', (v) => {
    if (!isPlainObject(v)) return 'must be an object of string values';
    const entries = Object.entries(v);
    if (entries.length > maxEntries) return `must have at most ${maxEntries} entries`;
    for (const [key, value] of entries) {
      if (typeof value !== 'string') return `"${key}" must be a string`;
      if (key.length === 0 || key.length > maxKeyLength) return `keys must be 1-${maxKeyLength} characters`;
      if (value.length > maxValueLength) return `"${key}" must be at most ${maxValueLength} characters`;
    }
    return undefined;
  });

const RESERVED = new Set<string>(RESERVED_HEADERS);

/** Header names must be RFC 9110 tokens and not ones the dispatcher sets itself. */
export const IsHeaderMap = () =>
  constraint('isHeaderMap', (v) => {
    if (!isPlainObject(v)) return 'must be an object of string values';
    for (const [name, value] of Object.entries(v)) {
      if (!HEADER_NAME.test(name)) return `"${name}" is not a valid header name`;
      if (RESERVED.has(name.toLowerCase())) return `"${name}" is set by Hourglass and cannot be overridden`;
      if (typeof value !== 'string' || /[\r\n\0]/.test(value)) return `"${name}" must be a string without line breaks`;
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

/** Compiled with RE2 (linear time, no backreferences or lookaround), as the dispatcher will. */
export const IsRe2Pattern = () =>
  constraint('isRe2Pattern', (v) => {
    if (typeof v !== 'string') return undefined;
    try {
      RE2JS.compile(v);
      return undefined;
    } catch (error) {
      return `must be a valid RE2 pattern (${(error as Error).message})`;
    }
  });
