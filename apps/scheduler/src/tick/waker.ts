/**
 * A sleep that can be cut short. A wake while nobody sleeps is kept, so a NOTIFY that arrives
 * during a tick makes the next sleep return at once instead of being lost.
 */
export class Waker {
  private timer?: NodeJS.Timeout;
  private resume?: () => void;
  private pending = false;

  sleep(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.resume = resolve;
      // Rounded up: waking a fraction of a millisecond early finds nothing due and costs a tick.
      this.timer = setTimeout(() => this.wake(), Math.max(1, Math.ceil(ms)));
    });
  }

  wake(): void {
    const resume = this.resume;
    if (!resume) {
      this.pending = true;
      return;
    }
    clearTimeout(this.timer);
    this.resume = undefined;
    this.pending = false;
    resume();
  }
}
