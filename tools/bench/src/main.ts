import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyRing } from '@hourglass/crypto';
import { closeApiClient } from './api-client.js';
import { runApiLoad, runInboundLoad } from './api-load.js';
import { runBatchLoad } from './batch-load.js';
import { benchmarksDoc, handNotesOf } from './benchmarks-doc.js';
import { benchEnvUsed, loadBenchConfig } from './config.js';
import { BenchDatabases } from './database.js';
import { runIdleLatency } from './idle-latency.js';
import { runInsertBaseline } from './insert-baseline.js';
import { loadNow, machineInfo } from './machine.js';
import { Receiver } from './receiver.js';
import { formatTable, reportRows, type BenchResults } from './report.js';
import { runMonitors } from './monitors.js';
import { runSchedules } from './schedules.js';
import { runScale } from './scale.js';
import { runSoak } from './soak.js';
import { scaleDispatcherGrid, scaleGatewayGrid } from './scale-report.js';
import { killAllNow, ROOT, stopAll } from './services.js';
import { costGrid, formatGrid, roundsGrid } from './rounds-report.js';
import { runRounds } from './rounds.js';
import { runThroughput, type PhaseContext } from './throughput.js';
import { TraceSink } from './trace-sink.js';

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Runs one phase; a failure is recorded (and reported) instead of ending the whole run. */
async function phase<K extends Exclude<keyof BenchResults, 'errors'>>(
  results: BenchResults,
  key: K,
  run: () => Promise<NonNullable<BenchResults[K]>>,
): Promise<void> {
  try {
    results[key] = await run();
  } catch (error) {
    results.errors[key] = error instanceof Error ? error.message : String(error);
    log(`${key} failed: ${results.errors[key]}`);
    await stopAll();
  }
}

async function runPhases(ctx: PhaseContext): Promise<BenchResults> {
  const results: BenchResults = { errors: {} };
  const only = ctx.config.only;
  const plain = { ...ctx, plaintext: true };
  const traced = { ...ctx, tracing: await TraceSink.start() };
  try {
    if (only.has('throughput')) {
      await runRounds(ctx, results);
      log('(a) again, encryption off…');
      await phase(results, 'throughputPlain', () => runThroughput(plain));
      log('(a) again, tracing on…');
      await phase(results, 'throughputTraced', () => runThroughput(traced));
    }
    if (only.has('api')) {
      await phase(results, 'api', () => runApiLoad(ctx));
      log('(b) again, encryption off…');
      await phase(results, 'apiPlain', () => runApiLoad(plain));
      log('(b) again, tracing on…');
      await phase(results, 'apiTraced', () => runApiLoad(traced));
    }
    if (traced.tracing.exports > 0)
      log(`tracing on: ${traced.tracing.exports} OTLP exports, ${(traced.tracing.bytes / 1e6).toFixed(1)} MB`);
  } finally {
    await traced.tracing.close();
  }
  if (only.has('api')) {
    log('(b) baseline: bare INSERT + pg-boss send…');
    await phase(results, 'insert', () => runInsertBaseline(ctx));
  }
  if (only.has('batch')) await phase(results, 'batch', () => runBatchLoad(ctx));
  if (only.has('inbound')) await phase(results, 'inbound', () => runInboundLoad(ctx));
  if (only.has('latency')) await phase(results, 'latency', () => runIdleLatency(ctx));
  if (only.has('schedules')) await phase(results, 'schedules', () => runSchedules(ctx));
  if (only.has('monitors')) await phase(results, 'monitors', () => runMonitors(ctx));
  if (only.has('scale')) await phase(results, 'scale', () => runScale(ctx));
  const history = ctx.config.historyTasks;
  if (history !== undefined) {
    if (!results.throughput) await phase(results, 'throughput', () => runThroughput(ctx));
    log(`(a) again over a history of ${history} finished tasks…`);
    await phase(results, 'throughputHistory', () => runThroughput(ctx, 1, history));
  }
  const soak = ctx.config.soakSeconds;
  if (soak !== undefined) await phase(results, 'soak', () => runSoak(ctx, soak));
  return results;
}

/** Undoes whatever main has started so far (also on Ctrl-C). */
let cleanup: () => Promise<void> = stopAll;

async function main(): Promise<void> {
  const started = performance.now();
  const loadAtStart = loadNow();
  const config = loadBenchConfig();
  const dbs = await BenchDatabases.start(config.databaseUrl, log);
  let receiver: Receiver | undefined;
  cleanup = async () => {
    await stopAll();
    await closeApiClient();
    await receiver?.close();
    await dbs.close();
  };
  try {
    receiver = await Receiver.start();
    const ctx: PhaseContext = {
      config,
      dbs,
      receiver,
      log,
      masterKeys: KeyRing.generateSpec('v1'),
      adminToken: `hga_${randomBytes(24).toString('base64url')}`,
    };
    const results = await runPhases(ctx);
    const rows = reportRows(results);
    console.log(`\n${formatTable(rows)}\n`);
    if (results.rounds)
      console.log(`${formatGrid(roundsGrid(results.rounds))}\n\n${formatGrid(costGrid(results.rounds))}\n`);
    if (results.scale)
      console.log(
        `${formatGrid(scaleDispatcherGrid(results.scale))}\n\n${formatGrid(scaleGatewayGrid(results.scale))}\n`,
      );
    const machine = machineInfo(await dbs.serverVersion(), loadAtStart);
    const doc = benchmarksDoc({
      results,
      rows,
      machine,
      config,
      envUsed: benchEnvUsed(),
      totalSeconds: (performance.now() - started) / 1_000,
    });
    const reportPath = join(ROOT, 'docs', 'benchmarks.md');
    const current = await readFile(reportPath, 'utf8').catch(() => '');
    await writeFile(reportPath, [doc, handNotesOf(current)].filter(Boolean).join('\n'));
    log('wrote docs/benchmarks.md');
    if (Object.keys(results.errors).length > 0) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}
main().catch((error: unknown) => {
  console.error('[bench] failed:', error);
  process.exitCode = 1;
});
