import type { TaskRepository } from '@hourglass/db';

/** How long an attempt is in flight before its task shows `running` (docs/decisions/0025). */
export const RUNNING_MARK_AFTER_MS = 500;

/**
 * Marks tasks `running` only when their attempt is still in flight after RUNNING_MARK_AFTER_MS:
 * most deliveries finish sooner and their task row is then written once, by the settle. The
 * mark is for readers (the API, queue stats); nothing depends on it for correctness, so a failed
 * or lost mark is just logged.
 */
export class RunningMarks {
  private readonly inFlight = new Map<string, { number: number; since: number }>();
  private timer?: NodeJS.Timeout;
  private marking = false;

  constructor(
    private readonly tasks: TaskRepository,
    private readonly onError: (error: Error) => void,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.markDue(), RUNNING_MARK_AFTER_MS / 2).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  begin(taskId: string, number: number): void {
    this.inFlight.set(taskId, { number, since: Date.now() });
  }

  end(taskId: string): void {
    this.inFlight.delete(taskId);
  }

  private async markDue(): Promise<void> {
    if (this.marking) return;
    const before = Date.now() - RUNNING_MARK_AFTER_MS;
    const due: { id: string; number: number }[] = [];
    for (const [id, attempt] of this.inFlight) {
      if (attempt.since > before) continue;
      due.push({ id, number: attempt.number });
      this.inFlight.delete(id);
    }
    if (due.length === 0) return;
    this.marking = true;
    try {
      await this.tasks.markRunning(due);
    } catch (error) {
      this.onError(error as Error);
    } finally {
      this.marking = false;
    }
  }
}
