/**
 * A wake-up that cannot be lost: `wake()` before anyone waits is remembered, so a NOTIFY that
 * lands while the loop is busy fetching still makes the next wait return at once.
 */
export class WakeSignal {
  private resolve?: () => void;
  private pending = false;

  wake(): void {
    if (this.resolve) {
      this.resolve();
      this.resolve = undefined;
    } else {
      this.pending = true;
    }
  }

  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.resolve = undefined;
        resolve();
      }, timeoutMs);
      this.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
