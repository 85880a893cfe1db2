import { parseInstant } from './timestamps.js';

describe('parseInstant (RFC 3339, real calendar instants only)', () => {
  it.each([
    ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z'],
    ['2028-02-29T12:00:00Z', '2028-02-29T12:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2026-06-01T10:00:00.123+02:00', '2026-06-01T08:00:00.123Z'],
    ['2026-06-01t10:00:00z', '2026-06-01T10:00:00.000Z'],
    ['2026-06-01T10:00:00.123456789-05:30', '2026-06-01T15:30:00.123Z'],
  ])('accepts %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['Feb 30 (Date.parse moves it to March 2)', '2027-02-30T00:00:00Z'],
    ['Feb 29 of a common year', '2027-02-29T00:00:00Z'],
    ['Feb 29 of 1900 (not a leap year)', '1900-02-29T00:00:00Z'],
    ['April 31', '2027-04-31T00:00:00Z'],
    ['month 13', '2027-13-01T00:00:00Z'],
    ['day 0', '2027-01-00T00:00:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['hour 24', '2026-12-31T24:00:00Z'],
    ['minute 60', '2026-12-31T23:60:00Z'],
    ['offset +24:00', '2026-12-31T23:00:00+24:00'],
    ['offset minutes 60', '2026-12-31T23:00:00+01:60'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['an extended year', '+275760-09-13T00:00:00Z'],
    ['no offset', '2026-12-31T23:59:59'],
    ['a date only', '2026-12-31'],
    ['a space separator', '2026-12-31 23:59:59Z'],
    ['ten fractional digits', '2026-12-31T23:59:59.1234567890Z'],
    ['a trailing NUL', '2026-12-31T23:59:59Z\u0000'],
    ['milliseconds as text', '1767225600000'],
    ['a long string', `2026-12-31T23:59:59${'0'.repeat(100_000)}Z`],
  ])('refuses %s', (_name, text) => {
    expect(parseInstant(text)).toBeUndefined();
  });
});
