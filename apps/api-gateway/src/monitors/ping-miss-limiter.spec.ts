import { PingMissLimiter, PingRateLimited } from './ping-miss-limiter.js';

describe('PingMissLimiter', () => {
  let now = 0;
  const limiter = () => new PingMissLimiter({ burst: 3, perSecond: 0.5, maxEntries: 2 }, () => now);
  const refused = (l: PingMissLimiter, client: string, hash: string) => {
    try {
      l.admit(client, hash);
      return null;
    } catch (error) {
      return error instanceof PingRateLimited ? error.retryAfterSeconds : 'other';
    }
  };

  beforeEach(() => (now = 0));

  it('allows `burst` misses per client, then refuses until the bucket refills at perSecond', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) {
      expect(refused(l, 'a', `h${i}`)).toBeNull();
      l.miss('a');
    }
    expect(refused(l, 'a', 'next')).toBe(2);
    expect(refused(l, 'b', 'next')).toBeNull();
    now = 2_000;
    expect(refused(l, 'a', 'next')).toBeNull();
  });

  it('a token seen valid is always admitted; the oldest of more than maxEntries clients is forgotten', () => {
    const l = limiter();
    l.hit('valid');
    for (let i = 0; i < 3; i++) l.miss('a');
    expect(refused(l, 'a', 'valid')).toBeNull();
    expect(refused(l, 'a', 'unknown')).toBe(2);
    l.miss('b');
    l.miss('c');
    expect(refused(l, 'a', 'unknown')).toBeNull();
  });
});
