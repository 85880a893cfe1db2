import { GroupCommit, type GroupCommitOptions } from './group-commit.js';

/** A flush that records its batches and can be held open until released. */
function recorder(options: Partial<GroupCommitOptions<number, string>> = {}) {
  const batches: number[][] = [];
  const held: (() => void)[] = [];
  let hold = false;
  const group = new GroupCommit<number, string>({
    maxBatch: 100,
    maxInFlight: 1,
    retry: 'sequential',
    flush: async (items) => {
      batches.push(items);
      if (hold) await new Promise<void>((resolve) => held.push(resolve));
      if (items.includes(13)) throw new Error('thirteen');
      return items.map((i) => `r${i}`);
    },
    ...options,
  });
  return {
    group,
    batches,
    held,
    holdFlushes: (on: boolean) => (hold = on),
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes the items added in one turn in one flush, each getting its own result', async () => {
    const { group, batches } = recorder();
    const results = await Promise.all([1, 2, 3].map((i) => group.add(i)));
    expect(results).toEqual(['r1', 'r2', 'r3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('splits at maxBatch', async () => {
    const { group, batches } = recorder({ maxBatch: 2, maxInFlight: 3 });
    await Promise.all([1, 2, 3, 4, 5].map((i) => group.add(i)));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('settles nothing before its flush ends, and collects what arrives meanwhile into the next flush', async () => {
    const { group, batches, held, holdFlushes } = recorder({ maxInFlight: 1 });
    holdFlushes(true);
    let settled = 0;
    const first = group.add(1).then((r) => (settled++, r));
    await tick();
    const later = [2, 3].map((i) => group.add(i).then((r) => (settled++, r)));
    await tick();
    await tick();
    expect(batches).toEqual([[1]]);
    expect(settled).toBe(0);
    holdFlushes(false);
    held.shift()!();
    expect(await first).toBe('r1');
    expect(await Promise.all(later)).toEqual(['r2', 'r3']);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('keeps at most maxInFlight flushes open', async () => {
    const { group, batches, held, holdFlushes } = recorder({ maxBatch: 1, maxInFlight: 2 });
    holdFlushes(true);
    const all = [1, 2, 3, 4].map((i) => group.add(i));
    await tick();
    await tick();
    expect(batches).toEqual([[1], [2]]);
    held.shift()!();
    await all[0];
    await tick();
    await tick();
    expect(batches).toEqual([[1], [2], [3]]);
    holdFlushes(false);
    while (held.length > 0) held.shift()!();
    expect(await Promise.all(all)).toEqual(['r1', 'r2', 'r3', 'r4']);
  });

  it.each(['sequential', 'parallel'] as const)(
    'retries a failed batch one item at a time (%s): only the bad item fails',
    async (retry) => {
      const { group, batches } = recorder({ retry });
      const results = await Promise.allSettled([12, 13, 14].map((i) => group.add(i)));
      expect(results).toEqual([
        { status: 'fulfilled', value: 'r12' },
        { status: 'rejected', reason: new Error('thirteen') },
        { status: 'fulfilled', value: 'r14' },
      ]);
      expect(batches).toEqual([[12, 13, 14], [12], [13], [14]]);
    },
  );

  it('rejects a flush that returns fewer results than items', async () => {
    const group = new GroupCommit<number, number>({
      maxBatch: 10,
      maxInFlight: 1,
      retry: 'sequential',
      flush: () => Promise.resolve([]),
    });
    await expect(group.add(1)).rejects.toThrow('flush returned 0 of 1');
  });
});
