import type { BenchResults } from './report.js';
import { CONTENDER_NAMES, type Contender, type RoundRun } from './rounds.js';

const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 0 });

const HEADER = ['(a) worker', 'round 1 tasks/s', 'round 2 tasks/s', 'Hourglass / it, round 1', 'round 2'];

function cell(run: RoundRun | undefined): string {
  if (!run) return '—';
  return run.result ? num(run.result.perSecond) : (run.note ?? '—');
}

function ratio(ours: RoundRun | undefined, theirs: RoundRun | undefined): string {
  if (!ours?.result || !theirs?.result) return '—';
  return `${num((ours.result.perSecond / theirs.result.perSecond) * 100)} %`;
}

/** Rows of the peers table: each contender per round, and Hourglass's rate over its rate in the same round. */
export function roundsGrid(rounds: RoundRun[] | undefined): string[][] {
  if (!rounds || rounds.length === 0) return [];
  const find = (contender: Contender, round: number) =>
    rounds.find((run) => run.contender === contender && run.round === round);
  const contenders = Object.keys(CONTENDER_NAMES) as Contender[];
  return [
    HEADER,
    ...contenders.map((contender) => [
      CONTENDER_NAMES[contender],
      cell(find(contender, 1)),
      cell(find(contender, 2)),
      contender === 'hourglass' ? '—' : ratio(find('hourglass', 1), find(contender, 1)),
      contender === 'hourglass' ? '—' : ratio(find('hourglass', 2), find(contender, 2)),
    ]),
  ];
}

const COST_HEADER = ['(a) per delivered task, round 1 / 2', 'statements', 'row writes', 'WAL bytes'];
/** BullMQ keeps its jobs in Redis: nothing of it to count in PostgreSQL. */
const PG_CONTENDERS: Contender[] = ['hourglass', 'graphile', 'ceiling'];

const perTask = (value: number | undefined) =>
  value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: value < 10 ? 2 : 0 });

/** The database's work per task for the PostgreSQL-based workers, both rounds side by side. */
export function costGrid(rounds: RoundRun[] | undefined): string[][] {
  if (!rounds || rounds.length === 0) return [];
  const both = (contender: Contender, pick: (run: RoundRun) => number | undefined) =>
    [1, 2]
      .map((round) => rounds.find((run) => run.contender === contender && run.round === round))
      .map((run) => (run?.result ? perTask(pick(run)) : '—'))
      .join(' / ');
  return [
    COST_HEADER,
    ...PG_CONTENDERS.map((contender) => [
      CONTENDER_NAMES[contender],
      both(contender, (run) => run.result!.cost.statements),
      both(contender, (run) => run.result!.cost.rowWrites),
      both(contender, (run) => run.result!.cost.walBytes),
    ]),
  ];
}

export function formatGrid(grid: string[][]): string {
  if (grid.length === 0) return '';
  const widths = grid[0]!.map((_, i) => Math.max(...grid.map((row) => row[i]!.length)));
  return grid.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

export function markdownGrid(grid: string[][]): string[] {
  if (grid.length === 0) return [];
  const line = (row: string[]) => `| ${row.join(' | ')} |`;
  return [line(grid[0]!), line(grid[0]!.map(() => '---')), ...grid.slice(1).map(line)];
}

/** The peers section of docs/benchmarks.md. */
export function roundsSection(r: BenchResults): string[] {
  const grid = roundsGrid(r.rounds);
  if (grid.length === 0) return [];
  return [
    '## (a) Peers, same run',
    '',
    'The same N deliveries to the same receiver, 200 in flight, undici with 128 keep-alive sockets, each worker in',
    'its own process and timed the same way. Round 1 runs Hourglass, BullMQ, graphile-worker, ceiling; round 2 the',
    'reverse, so drift on this shared machine shows as a spread between the rounds.',
    '',
    ...markdownGrid(grid),
    '',
    ...markdownGrid(costGrid(r.rounds)),
    '',
    ...PEERS_METHOD,
    '',
  ];
}

const PEERS_METHOD = [
  '- BullMQ: jobs `addBulk`-ed 1,000 at a time under a key prefix unique to the run (deleted before and after),',
  '  then one `Worker` (concurrency 200, default options: no batched completes in open-source BullMQ) on the local',
  '  Redis; done = completed count.',
  '- graphile-worker: a fresh database on the same PostgreSQL, its schema migrated and jobs added 1,000 at a time',
  '  (not timed), then `run()` with concurrency 200, `localQueue.size` 201 and `completeJobBatchDelay` 0 (batching',
  '  as its performance docs describe; default pool of 10); done = N − rows left in `_private_jobs`.',
  '- Cost per task, counted from just after the worker process was spawned until the drain ended (its start-up is',
  '  in it): statements from pg_stat_statements in the worker’s database (preloaded by the embedded server; BEGIN and',
  '  COMMIT count; — when not loaded), row writes as n_tup_ins + n_tup_upd + n_tup_del over pg_stat_user_tables, WAL',
  '  as the server’s pg_current_wal_lsn() advance (one phase runs at a time).',
];
