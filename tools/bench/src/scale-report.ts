import type { BenchResults } from './report.js';
import { markdownGrid } from './rounds-report.js';
import type { ScaleResult, ScaleRun } from './scale.js';

const num = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits });

function ratio<T>(runs: ScaleRun<T>[], run: ScaleRun<T>, rate: (result: T) => number): string {
  const one = runs.find((r) => r.processes === 1)?.result;
  return one && run.result ? num(rate(run.result) / rate(one), 2) : '—';
}

/** (a) per dispatcher count: rate, ratio to 1 process, CPU, and the database's work per task. */
export function scaleDispatcherGrid(scale: ScaleResult | undefined): string[][] {
  if (!scale || scale.dispatchers.length === 0) return [];
  const runs = scale.dispatchers;
  return [
    [
      '(a) dispatchers',
      'tasks/s',
      '× 1 process',
      'dispatchers’ cores',
      'machine cores',
      'statements / task',
      'row writes / task',
      'WAL bytes / task',
    ],
    ...runs.map((run) => {
      const d = run.result;
      if (!d) return [String(run.processes), run.note ?? '—', '—', '—', '—', '—', '—', '—'];
      return [
        String(run.processes),
        num(d.perSecond),
        ratio(runs, run, (r) => r.perSecond),
        num(d.cpu.child, 2),
        num(d.cpu.machine, 2),
        d.cost.statements === undefined ? '—' : num(d.cost.statements, 2),
        num(d.cost.rowWrites, 1),
        num(d.cost.walBytes),
      ];
    }),
  ];
}

/** (b) per api-gateway count: rate, ratio to 1 process, latency and CPU. */
export function scaleGatewayGrid(scale: ScaleResult | undefined): string[][] {
  if (!scale || scale.gateways.length === 0) return [];
  const runs = scale.gateways;
  return [
    ['(b) api-gateways', 'req/s', '× 1 process', 'p50 / p99 ms', 'gateways’ cores', 'machine cores'],
    ...runs.map((run) => {
      const a = run.result;
      if (!a) return [String(run.processes), run.note ?? '—', '—', '—', '—', '—'];
      return [
        String(run.processes),
        num(a.requestsPerSec),
        ratio(runs, run, (r) => r.requestsPerSec),
        `${num(a.p50, 1)} / ${num(a.p99, 1)}`,
        num(a.apiCores, 2),
        num(a.machineCores, 2),
      ];
    }),
  ];
}

/** The scale-out section of docs/benchmarks.md (only when BENCH_ONLY included `scale`). */
export function scaleSection(r: BenchResults): string[] {
  const a = scaleDispatcherGrid(r.scale);
  const b = scaleGatewayGrid(r.scale);
  if (a.length === 0 && b.length === 0) return [];
  return [
    '## Scale-out against one PostgreSQL',
    '',
    'Run only with `BENCH_ONLY=scale` (it takes longer than a minute). (a): the same N tasks, receiver and',
    'database, drained by 1, 2 or 4 dispatcher processes, each with its default limit (200 in flight, fetch',
    'batches of 100), so the total in flight grows with the processes. (b): the same connections split evenly',
    'across 1 or 2 api-gateways on the same database, one autocannon per gateway (p50 averaged, p99 the worst).',
    'Every process, PostgreSQL, the receiver and the load generator share the same cores. Plan past one',
    'PostgreSQL: [scaling.md](scaling.md).',
    '',
    ...markdownGrid(a),
    '',
    ...markdownGrid(b),
    '',
  ];
}
