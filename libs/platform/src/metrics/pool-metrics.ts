import type { DataSource } from 'typeorm';
import type { Metrics } from './metrics.js';

/** What node-postgres's Pool tells of itself (TypeORM's postgres driver keeps it as `master`). */
interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The service's database pool, read at scrape: connections open and idle, and callers waiting for
 * one. Waiting above zero for long means the pool (DB_POOL_MAX) or the database is the limit.
 */
export function registerPoolMetrics(metrics: Metrics, db: DataSource): void {
  const pool = () => (db.driver as unknown as { master?: PoolCounts }).master;
  metrics.gauge('hourglass_db_pool_connections', 'Database pool connections by state', ['state'], function () {
    const counts = pool();
    if (!counts) return;
    this.set({ state: 'total' }, counts.totalCount);
    this.set({ state: 'idle' }, counts.idleCount);
  });
  metrics.gauge('hourglass_db_pool_waiting', 'Callers waiting for a database pool connection', [], function () {
    const counts = pool();
    if (counts) this.set(counts.waitingCount);
  });
}
