import { CircuitBreakers } from './circuit-breakers.js';

describe('CircuitBreakers', () => {
  let clock = 0;
  const breakers = () =>
    new CircuitBreakers({ failureThreshold: 3, baseOpenMs: 1_000, maxOpenMs: 4_000, now: () => clock });
  beforeEach(() => (clock = 0));

  it('opens after consecutive failures, then lets one probe through when the pause ends', () => {
    const b = breakers();
    expect(b.record('https://a', 'retryable')).toBe(false);
    expect(b.record('https://a', 'retryable')).toBe(false);
    expect(b.pausedFor('https://a')).toBe(0);
    expect(b.record('https://a', 'retryable')).toBe(true);
    expect(b.pausedFor('https://a')).toBe(1_000);
    expect(b.pausedFor('https://other')).toBe(0);
    expect(b.openCount).toBe(1);
    clock = 1_000;
    expect(b.pausedFor('https://a')).toBe(0); // the probe
    expect(b.pausedFor('https://a')).toBeGreaterThan(0); // others wait for its verdict
  });

  it('re-opens for twice as long when the probe fails, up to the cap; a success closes it', () => {
    const b = breakers();
    for (let i = 0; i < 3; i++) b.record('https://a', 'retryable');
    for (const expected of [2_000, 4_000, 4_000]) {
      clock += 10_000;
      expect(b.pausedFor('https://a')).toBe(0);
      expect(b.record('https://a', 'retryable')).toBe(true);
      expect(b.pausedFor('https://a')).toBe(expected);
    }
    clock += 10_000;
    b.pausedFor('https://a');
    b.record('https://a', 'delivered');
    expect(b.pausedFor('https://a')).toBe(0);
    expect(b.openCount).toBe(0);
  });

  it('does not count 4xx answers as failures of the origin', () => {
    const b = breakers();
    for (let i = 0; i < 10; i++) b.record('https://a', i % 2 ? 'permanent' : 'retryable');
    expect(b.pausedFor('https://a')).toBe(0);
  });
});
