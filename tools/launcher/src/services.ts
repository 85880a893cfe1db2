import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';

export const SERVICES = ['api-gateway', 'scheduler', 'dispatcher'] as const;
export type ServiceName = (typeof SERVICES)[number];

const COLORS: Record<ServiceName, string> = {
  'api-gateway': '\x1b[36m',
  scheduler: '\x1b[35m',
  dispatcher: '\x1b[33m',
};

/**
 * One service as a child process with its output prefixed. A service that dies unexpectedly is
 * restarted after a second (the scheduler exits on purpose when it loses its leader lock).
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private stopping = false;
  private restarts = 0;

  constructor(
    readonly name: ServiceName,
    private readonly root: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  start(): void {
    const child = spawn(process.execPath, [join(this.root, 'apps', this.name, 'dist', 'main.js')], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = process.stdout.isTTY ? `${COLORS[this.name]}[${this.name}]\x1b[0m ` : `[${this.name}] `;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => process.stdout.write(`${prefix}${line}\n`));
    }
    child.on('exit', (code, signal) => {
      if (this.stopping) return;
      process.stdout.write(`${prefix}exited (${signal ?? code}); restarting in 1 s\n`);
      if (++this.restarts <= 20) setTimeout(() => this.start(), 1_000);
    });
    this.child = child;
  }

  /** SIGTERM, so the service drains; SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }
}
