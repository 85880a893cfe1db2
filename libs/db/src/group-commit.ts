export interface GroupCommitOptions<T, R> {
  /** Writes a batch in one database round trip (one transaction, or one autocommit statement): results in order. */
  flush: (items: T[]) => Promise<R[]>;
  /** Most items per flush. */
  maxBatch: number;
  /** Flushes at once. Batches of one org serialize on its usage row, so more only makes them smaller. */
  maxInFlight: number;
  /**
   * How a failed batch's items are retried, each alone so one bad item does not fail its neighbours:
   * `sequential` keeps their arrival order (ordered forwards), `parallel` is quicker.
   */
  retry: 'sequential' | 'parallel';
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit (docs/decisions/0005, 0009, 0020): each database round trip costs far more than the
 * SQL it carries, so items that arrive together are written by one flush. A flush starts when a
 * slot is free (the previous flush ended) with up to `maxBatch` of the waiting items; each item's
 * promise settles only after its flush committed, with its result or, once retried alone, its error.
 */
export class GroupCommit<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  /** Resolves with the item's result once its batch is committed. */
  add(item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    const { maxBatch, maxInFlight } = this.options;
    if (this.scheduled || this.inFlight >= maxInFlight || this.waiting.length === 0) return;
    this.scheduled = true;
    // setImmediate lets the items added in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      while (this.waiting.length > 0 && this.inFlight < maxInFlight) {
        const batch = this.waiting.splice(0, maxBatch);
        this.inFlight++;
        void this.commit(batch).finally(() => {
          this.inFlight--;
          this.schedule();
        });
      }
    });
  }

  private async commit(batch: Waiting<T, R>[]): Promise<void> {
    let results: R[];
    try {
      results = await this.options.flush(batch.map((w) => w.item));
      if (results.length !== batch.length) throw new Error(`flush returned ${results.length} of ${batch.length}`);
    } catch (error) {
      if (batch.length === 1) return batch[0]!.reject(error);
      if (this.options.retry === 'parallel') await Promise.all(batch.map((w) => this.commit([w])));
      else for (const w of batch) await this.commit([w]);
      return;
    }
    batch.forEach((w, i) => w.resolve(results[i]!));
  }
}
