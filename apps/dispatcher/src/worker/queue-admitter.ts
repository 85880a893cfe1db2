import type { DataSource } from 'typeorm';
import type { PgBoss } from 'pg-boss';
import { enqueueTasks, JobPriority, type QueueAdmissionRepository } from '@hourglass/db';
import { WakeSignal } from './wake-signal.js';

/** Queues locked per admission transaction, and tasks admitted per queue in it. */
const MAX_QUEUES = 50;
const MAX_PER_QUEUE = 100;

export interface QueueAdmitterDeps {
  db: DataSource;
  boss: PgBoss;
  admission: QueueAdmissionRepository;
  /** After a commit that admitted tasks: wake this process's fetch loop. */
  onAdmitted: (count: number) => void;
  onError: (error: Error) => void;
}

/**
 * Gives named-queue tasks their delivery jobs when their queue has room (docs/decisions/0006).
 * Runs in every dispatcher; the queue row lock makes concurrent admitters safe, and polling (plus
 * NOTIFY hints) makes it live: a slot freed by a finished task is noticed at the next poll.
 */
export class QueueAdmitter {
  private readonly signal = new WakeSignal();
  private stopping = false;
  private loopDone?: Promise<void>;

  constructor(
    private readonly pollMs: number,
    private readonly deps: QueueAdmitterDeps,
  ) {}

  start(): void {
    this.stopping = false;
    this.loopDone = this.loop();
  }

  wake(): void {
    this.signal.wake();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.signal.wake();
    await this.loopDone;
  }

  /**
   * One admission transaction: lock the queues that have due waiting tasks, admit what fits, and
   * enqueue their jobs, all or nothing. NOTIFY tells the other dispatchers.
   * @returns how many tasks were admitted.
   */
  async admitOnce(): Promise<number> {
    const { db, boss, admission } = this.deps;
    const admitted = await db.transaction(async (em) => {
      const queueIds = await admission.lockReady(em, MAX_QUEUES);
      const tasks = await admission.admit(em, queueIds, MAX_PER_QUEUE);
      await enqueueTasks(
        em,
        boss,
        tasks.map((task) => ({ task, jobPriority: JobPriority.admitted })),
      );
      return tasks.length;
    });
    if (admitted > 0) this.deps.onAdmitted(admitted);
    return admitted;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.admitOnce();
        await this.signal.wait(this.pollMs);
      } catch (error) {
        this.deps.onError(error as Error);
        await this.signal.wait(Math.max(this.pollMs, 1_000));
      }
    }
  }
}
