import { until, waitFor } from './wait.js';

describe('test waits', () => {
  it('waitFor returns the first value that is done', async () => {
    let n = 0;
    expect(
      await waitFor(
        () => ++n,
        (v) => v >= 3,
        { intervalMs: 1 },
      ),
    ).toBe(3);
  });

  it('waitFor throws on timeout, naming what it waited for and the last value, instead of returning it', async () => {
    await expect(
      waitFor(
        () => ({ status: 'queued' }),
        (t) => t.status === 'succeeded',
        { timeoutMs: 30, what: 'task X' },
      ),
    ).rejects.toThrow(/timed out after 30 ms waiting for task X; last value: \{ status: 'queued' \}/);
  });

  it('until throws on timeout too', async () => {
    await expect(until(() => false, 20)).rejects.toThrow(/timed out after 20 ms/);
  });
});
