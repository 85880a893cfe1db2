import pg from 'pg';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createDataSource } from '@hourglass/db';

/** Set by the jest global setup: a server URL (any database) and the migrated template's name. */
export const TEST_ENV = {
  serverUrl: 'HG_TEST_SERVER_URL',
  template: 'HG_TEST_TEMPLATE_DB',
  runId: 'HG_TEST_RUN_ID',
  masterKeys: 'HG_TEST_MASTER_KEYS',
} as const;

/** The run's master key ring (made by the global setup): test DataSources and the services under test share it. */
export function testMasterKeys(): string {
  const keys = process.env[TEST_ENV.masterKeys];
  if (!keys) throw new Error('no test master keys: run tests through jest (globalSetup makes them)');
  return keys;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** One connection to `url` for `work`, closed after it (tests reading tables directly). */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const serverUrl = process.env[TEST_ENV.serverUrl];
  if (!serverUrl) throw new Error('no test database server: run tests through jest (globalSetup starts one)');
  return withClient(serverUrl, work);
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh, fully migrated database for one test file, cloned from the template the global setup
 * migrated once (Trigger.dev's pattern): files run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `hg_t_${process.env[TEST_ENV.runId]}_${randomBytes(4).toString('hex')}`;
  const template = process.env[TEST_ENV.template]!;
  await onServer((client) => client.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = withDatabase(process.env[TEST_ENV.serverUrl]!, name);
  return {
    url,
    drop: () =>
      onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export interface TestDataSource {
  database: TestDatabase;
  db: DataSource;
  /** Destroys the DataSource, then drops the database. */
  close(): Promise<void>;
}

/** A fresh database (see createTestDatabase) with a DataSource on it, for tests that query directly. */
export async function createTestDataSource(): Promise<TestDataSource> {
  const database = await createTestDatabase();
  const db = await createDataSource({ url: database.url, masterKeys: testMasterKeys() }).initialize();
  return {
    database,
    db,
    close: async () => {
      await db.destroy();
      await database.drop();
    },
  };
}
