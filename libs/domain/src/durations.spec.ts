import { formatDuration, parseDuration } from './durations.js';

describe('formatDuration', () => {
  it('names the largest whole unit, and reads back as the same milliseconds', () => {
    const cases: [number, string][] = [
      [366 * 86_400_000, '366d'],
      [3_600_000, '1h'],
      [900_000, '15m'],
      [90_000, '90s'],
      [1_500, '1500ms'],
    ];
    for (const [ms, text] of cases) {
      expect(formatDuration(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    }
  });
});
