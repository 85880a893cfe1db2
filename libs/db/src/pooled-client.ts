import pg from 'pg';

/**
 * The client class of every pool (TypeORM's and pg-boss's). pg-pool takes its error listener off a
 * client as it hands it out, and TypeORM (and pg-boss's signalled queries) add their own only after an
 * await: a backend terminated in between (pg_terminate_backend, a restart) emitted 'error' with nobody
 * listening and killed the process (test/faults/terminate-backends). The query, or the pool on
 * release (the client is no longer queryable), sees the failure anyway.
 */
export class PooledClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}
