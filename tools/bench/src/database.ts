import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@hourglass/db';
import { migrate } from '@hourglass/migrations';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/**
 * One PostgreSQL server for the whole run (embedded under os.tmpdir(), or DATABASE_URL's), and a
 * fresh database per phase, cloned from a template migrated once. Everything is removed at close.
 */
export class BenchDatabases {
  private readonly created: string[] = [];
  private readonly suffix = randomBytes(3).toString('hex');
  private template?: string;
  private current?: string;

  private constructor(
    readonly serverUrl: string,
    private readonly embedded?: EmbeddedPostgres,
    private readonly tempDir?: string,
  ) {}

  /** Default durability (fsync and synchronous_commit on): the numbers are what a real install sees. */
  static async start(databaseUrl: string | undefined, log: (line: string) => void): Promise<BenchDatabases> {
    if (databaseUrl) return new BenchDatabases(databaseUrl);
    const tempDir = await mkdtemp(join(tmpdir(), 'hourglass-bench-'));
    // As root, PostgreSQL runs as `postgres`, who must be able to enter the (mode 700) temp dir.
    await chmod(tempDir, 0o755);
    try {
      const embedded = await startEmbeddedPostgres({
        dataDir: join(tempDir, 'pgdata'),
        preloadLibraries: ['pg_stat_statements'],
      });
      log(`embedded PostgreSQL on port ${embedded.port}, data in ${embedded.dataDir}`);
      return new BenchDatabases(embedded.url, embedded, tempDir);
    } catch (error) {
      await rm(tempDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * A new, fully migrated database named after `phase`. The previous phase's database is dropped
   * and a checkpoint taken first, so no phase pays for the one before it (autovacuum of its dead
   * rows, flushing its dirty pages): with both sides of a ratio measured one after the other,
   * that would tilt the ratio.
   */
  async fresh(phase: string): Promise<string> {
    this.template ??= await this.migrateTemplate();
    if (this.current) await this.drop(this.current);
    // Needs superuser or pg_checkpoint; on a DATABASE_URL without either, phases just start without it.
    await this.onServer((c) => c.query('CHECKPOINT')).catch(() => undefined);
    const name = `bench_${phase}_${this.suffix}`;
    await this.onServer((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${this.template}`));
    this.created.push(name);
    this.current = name;
    return withDatabase(this.serverUrl, name);
  }

  private async drop(name: string): Promise<void> {
    await this.onServer((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
  }

  async serverVersion(): Promise<string> {
    const rows = await this.onServer((c) => c.query<{ v: string }>("SELECT current_setting('server_version') AS v"));
    return rows.rows[0]?.v ?? 'unknown';
  }

  async close(): Promise<void> {
    if (this.embedded) {
      await this.embedded.stop().catch(() => undefined);
      await rm(this.embedded.dataDir, { recursive: true, force: true });
      await rm(this.tempDir!, { recursive: true, force: true });
      return;
    }
    for (const name of this.created.reverse()) await this.drop(name);
  }

  private async migrateTemplate(): Promise<string> {
    const name = `bench_template_${this.suffix}`;
    await this.onServer((c) => c.query(`CREATE DATABASE ${name}`));
    this.created.push(name);
    await migrate(withDatabase(this.serverUrl, name));
    return name;
  }

  private async onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.serverUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
}
