import type { ApiLoadResult } from './api-load.js';
import type { BatchLoadResult } from './batch-load.js';
import type { SoakResult } from './soak.js';
import type { BenchConfig } from './config.js';
import type { DrainResult } from './drain.js';
import type { IdleLatencyResult } from './idle-latency.js';
import type { InsertBaselineResult } from './insert-baseline.js';
import type { MachineInfo } from './machine.js';
import type { MonitorsResult } from './monitors.js';
import { monitorRows } from './monitors-report.js';
import type { RoundRun } from './rounds.js';
import type { ScaleResult } from './scale.js';
import type { SchedulesResult } from './schedules.js';
import { scheduleRows } from './schedules-report.js';

export interface BenchResults {
  throughput?: DrainResult;
  baseline?: DrainResult;
  /** (a) with its peers, two rounds in alternated order. */
  rounds?: RoundRun[];
  /** (a) and (b) again with encryption off (HOURGLASS_BENCH_PLAINTEXT): the on/off ratios. */
  throughputPlain?: DrainResult;
  /** (a) and (b) again with tracing on, every span exported to a local OTLP sink (docs/decisions/0019). */
  throughputTraced?: DrainResult;
  api?: ApiLoadResult;
  apiPlain?: ApiLoadResult;
  apiTraced?: ApiLoadResult;
  /** (e) POST /v1/tasks/batch of 1,000 from a few clients: tasks created per second. */
  batch?: BatchLoadResult;
  /** (f) POST /in/{slug} under (b)'s load: events acknowledged, forward tasks written. */
  inbound?: ApiLoadResult;
  insert?: InsertBaselineResult;
  latency?: IdleLatencyResult;
  schedules?: SchedulesResult;
  /** (g) heartbeat monitors: ping acks and monitor.down lateness (BENCH_ONLY=monitors). */
  monitors?: MonitorsResult;
  /** (a) with 1, 2 and 4 dispatchers and (b) with 1 and 2 api-gateways, one PostgreSQL (BENCH_ONLY=scale). */
  scale?: ScaleResult;
  /** (a) again over BENCH_HISTORY finished tasks and their attempts (issue 13, "steady as tables grow"). */
  throughputHistory?: DrainResult;
  /** BENCH_SOAK_S: creation and delivery side by side, drift and RSS over the run. */
  soak?: SoakResult;
  /** Phase name → why it produced no figure. */
  errors: Record<string, string>;
}

export interface Row {
  figure: string;
  value: string;
  target: string;
  status: 'PASS' | 'MISS' | 'info' | 'ERROR';
}

const num = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ms = (n: number) => `${num(n, 1)} ms`;
const check = (ok: boolean): Row['status'] => (ok ? 'PASS' : 'MISS');
const info = (figure: string, value: string): Row => ({ figure, value, target: '', status: 'info' });
const failed = (figure: string, error: string | undefined): Row[] =>
  error ? [{ figure, value: error.split('\n')[0]!.slice(0, 80), target: '', status: 'ERROR' }] : [];

export const ratioOf = (r: BenchResults) =>
  r.throughput && r.baseline ? r.throughput.perSecond / r.baseline.perSecond : undefined;

function throughputRows(r: BenchResults): Row[] {
  const rows: Row[] = [
    ...failed('(a) delivery throughput', r.errors.throughput),
    ...failed('(a) baseline', r.errors.baseline),
  ];
  if (r.throughput) rows.push(info('(a) delivery, 1 dispatcher', `${num(r.throughput.perSecond)} tasks/s`));
  if (r.baseline) rows.push(info('(a) bare pg-boss + undici loop (ceiling)', `${num(r.baseline.perSecond)} tasks/s`));
  const ratio = ratioOf(r);
  if (ratio !== undefined)
    rows.push({
      figure: '(a) ratio ours / ceiling',
      value: `${num(ratio * 100)} %`,
      target: '≥ 60 %',
      status: check(ratio >= 0.6),
    });
  return rows;
}

function apiRows(r: BenchResults): Row[] {
  const rows = [...failed('(b) POST /v1/tasks', r.errors.api), ...failed('(b) baseline', r.errors.insert)];
  const a = r.api;
  if (a) {
    rows.push(
      {
        figure: `(b) POST /v1/tasks, ${a.connections} connections`,
        value: `${num(a.requestsPerSec)} req/s`,
        target: '≥ 2,000 req/s',
        status: check(a.requestsPerSec >= 2_000),
      },
      info('(b) latency p50', ms(a.p50)),
      { figure: '(b) latency p99', value: ms(a.p99), target: '< 50 ms', status: check(a.p99 < 50) },
      {
        figure: '(b) non-2xx + errors',
        value: num(a.non2xx + a.errors),
        target: '0',
        status: check(a.non2xx + a.errors === 0),
      },
    );
  }
  if (r.insert) {
    rows.push(
      info(
        `(b) bare INSERT + send tx, ${r.insert.concurrency} concurrent`,
        `${num(r.insert.perSecond)} tx/s (p50 ${ms(r.insert.p50)}, p99 ${ms(r.insert.p99)})`,
      ),
    );
  }
  return rows;
}

function batchRows(r: BenchResults): Row[] {
  const rows = failed('(e) POST /v1/tasks/batch', r.errors.batch);
  const e = r.batch;
  if (!e) return rows;
  rows.push(
    {
      figure: `(e) POST /v1/tasks/batch of ${num(e.batchSize)}, ${e.clients} clients`,
      value: `${num(e.tasksPerSec)} tasks/s`,
      target: '≥ 30,000 tasks/s',
      status: check(e.tasksPerSec >= 30_000),
    },
    info('(e) batch latency p50 / p99', `${ms(e.latency.p50)} / ${ms(e.latency.p99)}`),
    {
      figure: '(e) refused batches, tasks missing',
      value: `${num(e.failures)}, ${num(e.batches * e.batchSize - e.tasksInDb)}`,
      target: '0, 0',
      status: check(e.failures === 0 && e.tasksInDb === e.batches * e.batchSize),
    },
  );
  return rows;
}

/** Last tenth over first tenth, as a signed percentage. */
export const driftOf = (rate: { first: number; last: number }) =>
  rate.first > 0 ? (rate.last / rate.first - 1) * 100 : 0;

function historyRows(r: BenchResults): Row[] {
  const rows = failed('(a) over a history', r.errors.throughputHistory);
  const h = r.throughputHistory;
  if (!h || !r.throughput) return rows;
  const ratio = h.perSecond / r.throughput.perSecond;
  const tasks = h.sizes?.find((s) => s.table === 'tasks');
  rows.push({
    figure: `(a) over ${num(Math.max(0, (tasks?.rows ?? h.tasks) - h.tasks))} finished tasks / empty`,
    value: `${num(ratio, 2)} (${num(h.perSecond)} / ${num(r.throughput.perSecond)} tasks/s)`,
    target: '≥ 0.90',
    status: check(ratio >= 0.9),
  });
  rows.push(
    ...cpuRatio(
      '(a) dispatcher CPU per delivery, history / empty',
      cpuMicros(h.cpu.child, h.perSecond),
      cpuMicros(r.throughput.cpu.child, r.throughput.perSecond),
    ),
  );
  return rows;
}

function soakRows(r: BenchResults): Row[] {
  const rows = failed('soak', r.errors.soak);
  const s = r.soak;
  if (!s) return rows;
  const rate = (what: string, x: SoakResult['created']): Row => ({
    figure: `soak ${what}, first → last tenth`,
    value: `${num(x.first)} → ${num(x.last)} tasks/s (${num(driftOf(x), 1)} %)`,
    target: 'drift ≥ -10 %',
    status: check(driftOf(x) >= -10),
  });
  rows.push(
    rate('created', s.created),
    rate('delivered', s.delivered),
    info('soak created, not delivered at the end', num(s.lag)),
  );
  for (const p of s.rss)
    rows.push(
      info(`soak RSS ${p.service}, first / max / last`, `${num(p.first)} / ${num(p.max)} / ${num(p.last)} MiB`),
    );
  return rows;
}

function inboundRows(r: BenchResults): Row[] {
  const rows = failed('(f) POST /in/{slug}', r.errors.inbound);
  const f = r.inbound;
  if (!f) return rows;
  rows.push(
    {
      figure: `(f) POST /in/{slug}, 2 KB bodies, ${f.connections} connections`,
      value: `${num(f.requestsPerSec)} req/s`,
      target: '≥ 2,000 req/s',
      status: check(f.requestsPerSec >= 2_000),
    },
    { figure: '(f) ack latency p99', value: ms(f.p99), target: '≤ 50 ms', status: check(f.p99 <= 50) },
    info('(f) forward tasks written', `${num(f.tasksInDb / f.seconds)} tasks/s`),
    {
      figure: '(f) non-2xx + errors',
      value: num(f.non2xx + f.errors),
      target: '0',
      status: check(f.non2xx + f.errors === 0),
    },
  );
  if (r.api) rows.push(info('(f) ingest / (b) POST /v1/tasks', num(f.requestsPerSec / r.api.requestsPerSec, 2)));
  return rows;
}

function latencyRows(r: BenchResults): Row[] {
  const rows = failed('(c) idle latency', r.errors.latency);
  const d = r.latency?.delivery;
  if (d) {
    rows.push(
      { figure: '(c) create → delivered p50', value: ms(d.p50), target: '< 20 ms', status: check(d.p50 < 20) },
      { figure: '(c) create → delivered p99', value: ms(d.p99), target: '< 100 ms', status: check(d.p99 < 100) },
      info('(c) create → delivered max', ms(d.max)),
      info('(c) POST /v1/tasks alone p50 / p99', `${ms(r.latency!.create.p50)} / ${ms(r.latency!.create.p99)}`),
    );
  }
  return rows;
}

export function reportRows(r: BenchResults): Row[] {
  return [
    ...throughputRows(r),
    ...apiRows(r),
    ...encryptionRows(r),
    ...tracingRows(r),
    ...batchRows(r),
    ...inboundRows(r),
    ...latencyRows(r),
    ...scheduleRows(r.schedules, r.errors.schedules),
    ...historyRows(r),
    ...soakRows(r),
    ...monitorRows(r.monitors, r.errors.monitors),
  ];
}

/** A variant's throughput over the plain run's: what it keeps. */
const keptRatio = (figure: string, on: number | undefined, off: number | undefined): Row[] =>
  on && off
    ? [
        {
          figure,
          value: `${num(on / off, 2)} (${num(on)} / ${num(off)})`,
          target: '≥ 0.90',
          status: check(on / off >= 0.9),
        },
      ]
    : [];

/** CPU µs the measured process spent per task: steadier than throughput on a shared machine. */
const cpuMicros = (cores: number | undefined, perSecond: number | undefined) =>
  cores && perSecond ? (cores / perSecond) * 1e6 : undefined;

const cpuRatio = (figure: string, on: number | undefined, off: number | undefined): Row[] =>
  on && off ? [info(figure, `${num(on / off, 2)} (${num(on)} µs / ${num(off)} µs)`)] : [];

/** Tracing on / off (docs/decisions/0019): every span sampled and exported, per phase. */
function tracingRows(r: BenchResults): Row[] {
  const on = { a: r.throughputTraced, b: r.apiTraced };
  return [
    ...failed('(a) tracing on', r.errors.throughputTraced),
    ...failed('(b) tracing on', r.errors.apiTraced),
    ...keptRatio('(a) delivery, tracing on / off', on.a?.perSecond, r.throughput?.perSecond),
    ...cpuRatio(
      '(a) dispatcher CPU per delivery, tracing on / off',
      cpuMicros(on.a?.cpu.child, on.a?.perSecond),
      cpuMicros(r.throughput?.cpu.child, r.throughput?.perSecond),
    ),
    ...keptRatio('(b) POST /v1/tasks, tracing on / off', on.b?.requestsPerSec, r.api?.requestsPerSec),
    ...cpuRatio(
      '(b) api-gateway CPU per request, tracing on / off',
      cpuMicros(on.b?.apiCores, on.b?.requestsPerSec),
      cpuMicros(r.api?.apiCores, r.api?.requestsPerSec),
    ),
  ];
}

/** Encryption at rest on / off (docs/decisions/0014), per phase: the throughput kept. */
function encryptionRows(r: BenchResults): Row[] {
  const ratio = keptRatio;
  return [
    ...failed('(a) encryption off', r.errors.throughputPlain),
    ...failed('(b) encryption off', r.errors.apiPlain),
    ...ratio('(a) delivery, encryption on / off', r.throughput?.perSecond, r.throughputPlain?.perSecond),
    ...ratio('(b) POST /v1/tasks, encryption on / off', r.api?.requestsPerSec, r.apiPlain?.requestsPerSec),
  ];
}

export function formatTable(rows: Row[]): string {
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => Object.values(row)[i]!.length), 6));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [
    line(['figure', 'value', 'target', 'status']),
    ...rows.map((row) => line([row.figure, row.value, row.target, row.status])),
  ].join('\n');
}

export { num, ms };
export type { BenchConfig, MachineInfo };
