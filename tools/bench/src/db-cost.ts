import type pg from 'pg';

/** What the database did per delivered task while a worker drained its N (start-up included). */
export interface DbCost {
  /** Statements executed in the worker's database (pg_stat_statements, BEGIN/COMMIT included); absent without it. */
  statements?: number;
  /** Rows inserted + updated + deleted in the worker's database (pg_stat_user_tables). */
  rowWrites: number;
  /** WAL the whole server wrote (pg_current_wal_lsn; one phase runs at a time). */
  walBytes: number;
}

interface Counters {
  statements?: number;
  rowWrites: number;
  walBytes: number;
}

/** Makes pg_stat_statements readable from this database when the server preloads it; false when it does not. */
export async function enableStatements(client: pg.Client): Promise<boolean> {
  return client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').then(
    () => client.query('SELECT 1 FROM pg_stat_statements LIMIT 1').then(() => true),
    () => false,
  );
}

export async function readCounters(client: pg.Client, statements: boolean): Promise<Counters> {
  const { rows } = await client.query<{ writes: string | null; wal: string }>(
    `SELECT (SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables) AS writes,
            pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS wal`,
  );
  const counters: Counters = { rowWrites: Number(rows[0]!.writes ?? 0), walBytes: Number(rows[0]!.wal) };
  if (statements) {
    const result = await client.query<{ calls: string | null }>(
      `SELECT sum(calls) AS calls FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    counters.statements = Number(result.rows[0]!.calls ?? 0);
  }
  return counters;
}

export function costPerTask(before: Counters, after: Counters, tasks: number): DbCost {
  return {
    statements:
      before.statements !== undefined && after.statements !== undefined
        ? (after.statements - before.statements) / tasks
        : undefined,
    rowWrites: (after.rowWrites - before.rowWrites) / tasks,
    walBytes: (after.walBytes - before.walBytes) / tasks,
  };
}
