import pg from 'pg';
import { BenchDatabases } from './database.js';
import { createBoss, createDataSource, newId, Queue, sendJob } from '@hourglass/db';

const dbs = await BenchDatabases.start(process.env.DATABASE_URL, console.log);
try {
  const url = await dbs.fresh('probe');
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  const ds = await createDataSource({ url, poolMax: 20 }).initialize();
  const boss = createBoss(url, 'producer');
  await boss.start();
  const orgId = newId();
  await pool.query(`INSERT INTO organizations (id, name, signing_secrets) VALUES ($1, 'bench', '{}')`, [orgId]);
  const sql = `INSERT INTO tasks (id, org_id, status, url, method, timeout_ms, run_at, max_attempts) VALUES ($1, $2, 'scheduled', 'http://x', 'POST', 1000, now(), 1)`;
  const opts = () => ({ id: newId(), group: { id: orgId }, startAfter: new Date(Date.now() + 3_600_000) });
  const modes: Record<string, () => Promise<void>> = {
    raw: async () => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const id = newId();
        await client.query(sql, [id, orgId]);
        await boss.send(Queue.Deliver, { taskId: id, orgId }, { ...opts(), db: { executeSql: (text, values) => client.query(text, values) } });
        await client.query('COMMIT');
      } finally { client.release(); }
    },
    typeorm: () => ds.transaction(async (em) => {
      const id = newId();
      await em.query(sql, [id, orgId]);
      await sendJob(boss, Queue.Deliver, { taskId: id, orgId }, opts(), em);
    }),
  };
  const conc = [50, 20, 8, 4]; let i = 0;
  for (const mode of ['raw', 'raw', 'raw', 'raw']) {
    let n = 0;
    const until = performance.now() + 3000;
    await Promise.all(Array.from({ length: conc[i++]! }, async () => { while (performance.now() < until) { await modes[mode]!(); n++; } }));
    console.log(mode, conc[i - 1], (n / 3).toFixed(0), 'tx/s');
  }
  await boss.stop({ graceful: false });
  await pool.end(); await ds.destroy();
} finally {
  await dbs.close();
}
