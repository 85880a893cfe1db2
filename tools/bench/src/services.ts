import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every child this run started, so main can kill them all on the way out, whatever happened. */
const running = new Set<Child>();

/** A child process whose output is kept (last lines) and echoed only when asked. */
export class Child {
  readonly startedAt = performance.now();
  private readonly tail: string[] = [];
  private readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(
    readonly name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    private readonly echo = false,
  ) {
    this.proc = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.proc.stdout!, this.proc.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => this.keep(line));
    }
    this.exited = new Promise((done) => this.proc.once('exit', (code) => done(code)));
    running.add(this);
    void this.exited.then(() => running.delete(this));
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  get pids(): (number | undefined)[] {
    return [this.pid];
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The last lines it printed (for error messages). */
  output(): string {
    return this.tail.join('\n');
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.alive) return;
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    this.proc.kill('SIGTERM');
    await this.exited;
    clearTimeout(killer);
  }

  private keep(line: string): void {
    if (this.echo) process.stderr.write(`[${this.name}] ${line}\n`);
    this.tail.push(line);
    if (this.tail.length > 40) this.tail.shift();
  }
}

/** Several children drained as one worker (the scale-out phase): alive while all are, stopped together. */
export class ChildGroup {
  constructor(private readonly children: Child[]) {}

  get name(): string {
    return `${this.children.length} × ${this.children[0]?.name}`;
  }

  get pids(): (number | undefined)[] {
    return this.children.map((child) => child.pid);
  }

  get alive(): boolean {
    return this.children.every((child) => child.alive);
  }

  get startedAt(): number {
    return Math.min(...this.children.map((child) => child.startedAt));
  }

  output(): string {
    return this.children.map((child) => child.output()).join('\n---\n');
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((child) => child.stop()));
  }
}

/** One of the three services from its build output, as the launcher starts it. */
export function startService(name: 'api-gateway' | 'scheduler' | 'dispatcher', env: Record<string, string>): Child {
  return new Child(name, join(ROOT, 'apps', name, 'dist', 'main.js'), {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // BENCH_LOG_LEVEL=info measures what the per-request and per-attempt log lines cost (docs/operations.md).
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    HOURGLASS_LOCAL_MODE: 'true',
    SHUTDOWN_GRACE_MS: '5000',
    // Passed through so a service can be profiled (NODE_OPTIONS="--cpu-prof --cpu-prof-dir=…").
    ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
    ...env,
  });
}

/** Polls `/readyz` until it answers 200; fails early if the process dies. */
export async function waitReady(child: Child, port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.alive) throw new Error(`${child.name} exited during start-up:\n${child.output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${child.name} not ready within ${timeoutMs} ms:\n${child.output()}`);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => child.stop()));
}

/** Last resort on exit: synchronous SIGKILL of anything still running. */
export function killAllNow(): void {
  for (const child of running) if (child.alive && child.pid) process.kill(child.pid, 'SIGKILL');
}

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
