import { inspect } from 'node:util';

export interface WaitOptions {
  /** Fails after this long (default 20 s). */
  timeoutMs?: number;
  /** Pause between reads (default 50 ms). */
  intervalMs?: number;
  /** What is awaited, for the error message ("task X succeeded"). */
  what?: string;
}

const describe = (value: unknown) => inspect(value, { depth: 4, breakLength: Infinity }).slice(0, 2_000);

/**
 * Reads `read()` until `done(value)` holds and returns that value. Throws once `timeoutMs` has
 * passed, naming what it waited for and the last value read: a wait never turns into a pass.
 */
export async function waitFor<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  options: WaitOptions | number = {},
): Promise<T> {
  const {
    timeoutMs = 20_000,
    intervalMs = 50,
    what = 'the condition',
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${describe(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits until `condition()` is true (see waitFor: throws on timeout) and returns how long that took. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  options: WaitOptions | number = {},
): Promise<number> {
  const started = Date.now();
  await waitFor(condition, (ok) => ok, options);
  return Date.now() - started;
}
