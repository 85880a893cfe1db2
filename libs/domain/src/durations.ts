const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/** Longer text is not a duration any field accepts (every field caps its value far below this). */
export const MAX_DURATION_LENGTH = 32;

/** The pattern a duration field documents (OpenAPI `pattern`). */
export const DURATION_PATTERN = DURATION.source;

/** Milliseconds as the largest whole unit: 900000 → "15m", 90000 → "90s", 1500 → "1500ms". */
export function formatDuration(ms: number): string {
  const unit = (['d', 'h', 'm', 's'] as const).find((name) => ms % UNIT_MS[name] === 0);
  return unit ? `${ms / UNIT_MS[unit]}${unit}` : `${ms}ms`;
}

/** Parses `"90s"`, `"5m"`, `"2h"`, `"1d"`, `"250ms"` into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (text.length > MAX_DURATION_LENGTH) return undefined;
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Number.isSafeInteger(value) ? value : undefined;
}
