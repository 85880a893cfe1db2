import pg from 'pg';
import type { Child, ChildGroup } from './services.js';
import type { Receiver } from './receiver.js';
import { CpuMeter, type CpuUse } from './cpu.js';
import type { TableSize } from './history.js';
import { costPerTask, enableStatements, readCounters, type DbCost } from './db-cost.js';
import { sleep } from './services.js';

export interface DrainResult {
  tasks: number;
  /** From the first request at the receiver until the poll saw all work recorded (within 20 ms). */
  fromFirstMs: number;
  /** From spawning the worker process until then (includes its start-up). */
  fromSpawnMs: number;
  perSecond: number;
  /** Cores in use (CPU seconds per second) while deliveries ran. */
  cpu: CpuUse;
  /** Transactions committed in the database during the phase, per task. */
  commitsPerTask: number;
  /** Statements, row writes and WAL per task, measured around the drain. */
  cost: DbCost;
  /** The tables after the drain (runThroughput). */
  sizes?: TableSize[];
}

export interface DrainOptions {
  url: string;
  child: Child | ChildGroup;
  receiver: Receiver;
  tasks: number;
  timeoutMs: number;
  /** Counts finished work; the phase ends when it reaches `tasks`. */
  countDone: (client: pg.Client) => Promise<number>;
}

/** How often the database is polled once every task was received, and the receiver watched before that. */
const POLL_MS = 20;
const WATCH_MS = 50;

function perSecond(use: CpuUse, ms: number): CpuUse {
  const s = ms / 1_000;
  return { machine: use.machine / s, child: use.child / s, bench: use.bench / s };
}

async function commits(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(rows[0]?.n ?? 0);
}

/** Waits until `tasks` are done (received, then recorded), measuring time and CPU; both sides of the ratio use this. */
export async function measureDrain(options: DrainOptions): Promise<DrainResult> {
  const { child, receiver, tasks } = options;
  const client = new pg.Client({ connectionString: options.url, application_name: 'hourglass-bench-poll' });
  await client.connect();
  try {
    const commits0 = await commits(client);
    const statements = await enableStatements(client);
    const counters0 = await readCounters(client, statements);
    const deadline = performance.now() + options.timeoutMs;
    let meter: { cpu: CpuMeter; at: number } | undefined;
    let done = 0;
    for (;;) {
      // CPU is measured from the first check after deliveries began, so the child's start-up is not in it.
      if (!meter && receiver.firstAt !== undefined) meter = { cpu: new CpuMeter(child.pids), at: performance.now() };
      const progress = `${receiver.receivedAt.size}/${tasks} received, ${done} recorded`;
      if (!child.alive) throw new Error(`${child.name} exited with ${progress}:\n${child.output()}`);
      if (performance.now() > deadline)
        throw new Error(`${child.name}: only ${progress} within ${options.timeoutMs} ms`);
      // Nothing is recorded before it was received, so the database is asked only once every task
      // reached the receiver, and then often: the poll stays out of the measured work, and the end is
      // known within POLL_MS.
      if (receiver.receivedAt.size >= tasks && (done = await options.countDone(client)) >= tasks) break;
      await sleep(receiver.receivedAt.size >= tasks ? POLL_MS : WATCH_MS);
    }
    const end = performance.now();
    const cpu = meter ? perSecond(meter.cpu.stop(), end - meter.at) : { machine: 0, child: 0, bench: 0 };
    // An idle backend holds its table and commit counts up to 10 s; one that exits flushes them. So the
    // worker stops (the callers' stop then does nothing), and the rest is flushed about once a second.
    await child.stop();
    await sleep(1_100);
    const fromFirstMs = end - (receiver.firstAt ?? child.startedAt);
    return {
      tasks,
      fromFirstMs,
      fromSpawnMs: end - child.startedAt,
      perSecond: tasks / (fromFirstMs / 1_000),
      cpu,
      commitsPerTask: ((await commits(client)) - commits0) / tasks,
      cost: costPerTask(counters0, await readCounters(client, statements), tasks),
    };
  } finally {
    await client.end();
  }
}
