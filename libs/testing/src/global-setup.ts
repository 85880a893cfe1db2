import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { rm } from 'node:fs/promises';
import { KeyRing } from '@hourglass/crypto';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@hourglass/db';
import { migrate } from '@hourglass/migrations';
import { TEST_ENV, withDatabase } from './test-database.js';

declare global {
  var __hourglassTestPostgres:
    { server?: EmbeddedPostgres; template: string; serverUrl: string; runId: string } | undefined;
}

/**
 * Uses TEST_DATABASE_URL / DATABASE_URL when set (CI's PostgreSQL 15), else starts one embedded
 * PostgreSQL for the whole run. Migrates a template database once; each test file clones it.
 */
export default async function globalSetup(): Promise<void> {
  const external = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const server = external
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: join(tmpdir(), `hourglass-test-pg-${randomBytes(4).toString('hex')}`),
        fast: true,
      });
  const serverUrl = external ?? server!.url;
  const runId = randomBytes(4).toString('hex');
  const template = `hg_template_${runId}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${template}`);
  await admin.end();
  await migrate(withDatabase(serverUrl, template));
  process.env[TEST_ENV.serverUrl] = serverUrl;
  process.env[TEST_ENV.template] = template;
  process.env[TEST_ENV.runId] = runId;
  process.env[TEST_ENV.masterKeys] = KeyRing.generateSpec();
  globalThis.__hourglassTestPostgres = { server, template, serverUrl, runId };
}

export async function stopTestPostgres(): Promise<void> {
  const state = globalThis.__hourglassTestPostgres;
  if (!state) return;
  const admin = new pg.Client({ connectionString: state.serverUrl });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2)`,
    [state.template, `hg_t_${state.runId}_`],
  );
  for (const row of rows) await admin.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
  await admin.end();
  if (state.server) {
    await state.server.stop();
    await rm(state.server.dataDir, { recursive: true, force: true });
  }
}
