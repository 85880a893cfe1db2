import pg from 'pg';
import { seedTasks } from './seed.js';

const ORG_TASKS = 50_000;

export interface TableSize {
  table: string;
  rows: number;
  /** MiB of heap (with TOAST) and of indexes. */
  tableMiB: number;
  indexMiB: number;
}

/**
 * A history of `count` finished tasks of several orgs, as production leaves it: written by the task writer as the API
 * writes them (sealed, with their jobs), then settled as the dispatcher settles a first-attempt success
 * (task `succeeded`, one `delivered` attempt, job completed), then VACUUM ANALYZE, as autovacuum would
 * have done by then.
 */
export async function seedHistory(url: string, keys: string, count: number, target: string, sealing: boolean) {
  // One org per ORG_TASKS: an org's monthly quota (the test plan's) would refuse more.
  for (let done = 0; done < count; done += ORG_TASKS)
    await seedTasks(url, keys, Math.min(ORG_TASKS, count - done), target, sealing);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO attempts (id, task_id, org_id, number, outcome, status_code, duration_ms, response_truncated,
                             started_at, finished_at)
       SELECT gen_random_uuid(), id, org_id, 1, 'delivered', 200, 3, false, now(), now() FROM tasks`,
    );
    await client.query(
      `UPDATE tasks SET status = 'succeeded', attempt_count = 1, finished_at = now(), updated_at = now(),
                        version = version + 1`,
    );
    await client.query(
      `UPDATE pgboss.job SET state = 'completed', started_on = now(), completed_on = now() WHERE name = 'deliver'`,
    );
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

/** Rows and sizes of the tables the delivery path touches, partitions summed. */
export async function tableSizes(url: string): Promise<TableSize[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ table: string; heap: string; indexes: string }>(
      `SELECT name AS table, sum(pg_table_size(c.oid)) AS heap,
              sum(pg_indexes_size(c.oid)) AS indexes
         FROM unnest(ARRAY['tasks', 'attempts', 'pgboss.job']) AS name,
              -- A partitioned table (pgboss.job) is the sum of its partitions.
              LATERAL (SELECT relid FROM pg_partition_tree(name::regclass) WHERE isleaf
                       UNION ALL SELECT name::regclass WHERE NOT EXISTS (SELECT FROM pg_partition_tree(name::regclass))) p
              JOIN pg_class c ON c.oid = p.relid
        GROUP BY name ORDER BY name`,
    );
    const counted = new Map<string, number>();
    for (const { table } of rows) {
      const { rows: n } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      counted.set(table, Number(n[0]!.n));
    }
    return rows.map((r) => ({
      table: r.table,
      rows: counted.get(r.table) ?? 0,
      tableMiB: Number(r.heap) / 2 ** 20,
      indexMiB: Number(r.indexes) / 2 ** 20,
    }));
  } finally {
    await client.end();
  }
}
