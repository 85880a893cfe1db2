/** RFC 3339 `date-time`: `2026-12-31T23:59:59Z`, `2026-12-31T23:59:59.123+01:00`. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Longest text worth matching: the pattern above with nine fractional digits and an offset. */
const MAX_DATE_TIME_LENGTH = 35;

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/**
 * The instant an RFC 3339 date-time names, or undefined when it is not one: a calendar date that
 * does not exist (Feb 30, month 13), a leap second (`:60`, which JavaScript cannot hold), an offset
 * out of range, or a year 0000. Never shifts a value the way `Date.parse` does (`2027-02-30` → March 2).
 */
export function parseInstant(text: string): Date | undefined {
  if (text.length > MAX_DATE_TIME_LENGTH) return undefined;
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  if (match[8] !== undefined && (Number(match[9]) > 23 || Number(match[10]) > 59)) return undefined;
  const ms = Date.parse(text.toUpperCase());
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}
