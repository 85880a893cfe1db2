import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@hourglass/db';
import { waitFor } from './wait.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export type ServiceName = 'api-gateway' | 'scheduler' | 'dispatcher';

export interface RunningService {
  name: ServiceName;
  url: string;
  child: ChildProcess;
  logs: string[];
  /** Resolves with the exit code or signal once the process has exited. */
  exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): Promise<number | string>;
}

async function waitReady(url: string, service: RunningService, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null) break;
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${service.name} not ready within ${timeoutMs} ms:\n${service.logs.slice(-30).join('\n')}`);
}

/** A service as a real process from its build (`apps/<name>/dist/main.js`), ready when /readyz says so. */
export async function startService(
  name: ServiceName,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<RunningService> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(repoRoot, 'apps', name, 'dist', 'main.js')], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(signal ?? code ?? 0)),
  );
  const service: RunningService = {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    logs,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
  await waitReady(service.url, service, timeoutMs).catch(async (error: unknown) => {
    await service.kill('SIGKILL');
    throw error;
  });
  return service;
}

/** Whether a scheduler replica holds leadership, by its own gauge (/readyz says only ok or not ok). */
export async function isSchedulerLeader(service: RunningService): Promise<boolean> {
  const text = await fetch(`${service.url}/metrics`).then(
    (r) => r.text(),
    () => '',
  );
  return /^hourglass_scheduler_leader(\{[^}]*\})? 1$/m.test(text);
}

/** The scheduler among `schedulers` (still running) that reports holding the leader lock; waits up to 15 s. */
export function schedulerLeaderAmong(schedulers: RunningService[]): Promise<RunningService | undefined> {
  return waitFor(
    async () => {
      for (const s of schedulers)
        if (s.child.exitCode === null && s.child.signalCode === null && (await isSchedulerLeader(s))) return s;
      return undefined;
    },
    (s) => s !== undefined,
    { timeoutMs: 15_000, intervalMs: 50, what: 'a scheduler leader' },
  );
}
