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

  it('remembers at most maxOrigins origins, forgetting the least recently used first', () => {
    const b = new CircuitBreakers({
      failureThreshold: 3,
      baseOpenMs: 1_000,
      maxOpenMs: 4_000,
      maxOrigins: 100,
      now: () => clock,
    });
    for (let i = 0; i < 3; i++) b.record('https://kept', 'retryable'); // open
    for (let i = 0; i < 10_000; i++) {
      b.record(`https://origin-${i}.example`, 'retryable');
      if (i % 50 === 0) b.pausedFor('https://kept'); // in use: stays at the recent end
    }
    expect(b.size).toBeLessThanOrEqual(100);
    expect(b.pausedFor('https://kept')).toBe(1_000);
    expect(b.pausedFor('https://origin-0.example')).toBe(0);
    expect(b.pausedFor('https://origin-9999.example')).toBe(0);
  });

  it('forgets a circuit that stayed closed and untouched for idleMs, but never an open one', () => {
    const b = new CircuitBreakers({
      failureThreshold: 3,
      baseOpenMs: 1_000,
      maxOpenMs: 100_000,
      idleMs: 60_000,
      now: () => clock,
    });
    b.record('https://flaky', 'retryable');
    b.record('https://flaky', 'retryable');
    for (let i = 0; i < 3; i++) b.record('https://down', 'retryable');
    for (let i = 0; i < 6; i++) {
      clock += 1_000;
      b.pausedFor('https://down'); // the probe
      b.record('https://down', 'retryable'); // fails: open for 2 s, 4 s, … up to 64 s
    }
    clock += 61_000;
    expect(b.record('https://other', 'retryable')).toBe(false); // adding sweeps the idle head
    expect(b.size).toBe(2); // flaky forgotten; down (open until recently) and other kept
    // flaky's two old failures no longer count: two more do not open it.
    b.record('https://flaky', 'retryable');
    expect(b.record('https://flaky', 'retryable')).toBe(false);
    expect(b.pausedFor('https://flaky')).toBe(0);
  });
});
