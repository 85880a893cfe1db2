import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '@hourglass/db';
import { migrate } from '@hourglass/migrations';
import { adminToken, masterKeys } from './local-secrets.js';
import { SERVICES, ServiceProcess } from './services.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const stateDir = join(root, '.hourglass');
const log = (line: string) => process.stdout.write(`[hourglass] ${line}\n`);

async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (!rowCount) await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/**
 * Local mode (the default) lets tasks target private and loopback addresses, so a receiver on the
 * same laptop works; `HOURGLASS_LOCAL_MODE=false` runs the services as production does: private
 * targets refused at create time and at connect time, unless HOURGLASS_ALLOW_PRIVATE_TARGETS opens ranges.
 */
function localModeFrom(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`HOURGLASS_LOCAL_MODE must be "true" or "false", not "${value}"`);
}

async function main(): Promise<void> {
  const apiPort = Number(process.env.HOURGLASS_API_PORT ?? 8080);
  const localMode = localModeFrom(process.env.HOURGLASS_LOCAL_MODE);
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    log(`starting embedded PostgreSQL (data in ${join(stateDir, 'pgdata')})`);
    embedded = await startEmbeddedPostgres({ dataDir: join(stateDir, 'pgdata') });
    if (embedded.dataDir !== join(stateDir, 'pgdata'))
      log(`this directory is not reachable by the postgres user; data is in ${embedded.dataDir}`);
    databaseUrl = await ensureDatabase(embedded.url, 'hourglass');
  }
  const result = await migrate(databaseUrl, (line) => log(`migrate: ${line}`));
  log(`database ready (${result.applied.length} migrations applied)`);

  const token = await adminToken(stateDir);
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    HOURGLASS_ADMIN_TOKEN: token,
    ...(process.env.HOURGLASS_MASTER_KEYS_FILE ? {} : { HOURGLASS_MASTER_KEYS: await masterKeys(stateDir) }),
    HOURGLASS_LOCAL_MODE: String(localMode),
    SHUTDOWN_GRACE_MS: process.env.SHUTDOWN_GRACE_MS ?? '10000',
  };
  const ports = { 'api-gateway': apiPort, scheduler: apiPort + 1, dispatcher: apiPort + 2 };
  const services = SERVICES.map((name) => new ServiceProcess(name, root, { ...env, PORT: String(ports[name]) }));
  services.forEach((service) => service.start());

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    log('stopping services…');
    await Promise.all(services.map((service) => service.stop(15_000)));
    await embedded?.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  const api = `http://localhost:${apiPort}`;
  if (!(await waitReady(`${api}/readyz`, 60_000)))
    log('api-gateway did not become ready within 60 s; see its log above');
  log('');
  const opened = process.env.HOURGLASS_ALLOW_PRIVATE_TARGETS?.trim();
  log(
    localMode
      ? 'Hourglass is running (local mode: private and loopback targets are allowed)'
      : `Hourglass is running (production mode: private and loopback targets are refused${opened ? `, except ${opened}` : ''})`,
  );
  log(`  API          ${api}/v1`);
  log(`  Docs         ${api}/docs   (OpenAPI: ${api}/openapi.json)`);
  log(`  Admin token  ${token}`);
  log(`  Metrics      ${api}/metrics, :${ports.scheduler}/metrics, :${ports.dispatcher}/metrics`);
  log(`  Ctrl-C stops everything; data stays in ${embedded ? embedded.dataDir : 'DATABASE_URL'}`);
}

main().catch((error: unknown) => {
  console.error('[hourglass] failed to start:', error);
  process.exit(1);
});
