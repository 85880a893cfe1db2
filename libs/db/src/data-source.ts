import { DataSource, type DataSourceOptions } from 'typeorm';
import { KeyRing } from '@hourglass/crypto';
import { attachCipher, FieldCipher } from './encryption/field-cipher.js';
import { ENTITIES } from './entities/index.js';
import { PooledClient } from './pooled-client.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

export interface DbOptions {
  url: string;
  poolMax?: number;
  applicationName?: string;
  migrations?: DataSourceOptions['migrations'];
  /** Commit without waiting for the WAL flush (see ASYNC_COMMIT). */
  asyncCommit?: boolean;
  /** The master key ring (`HOURGLASS_MASTER_KEYS`): the repositories seal customer data with the org keys it wraps. */
  masterKeys?: string;
  /** False only for the benchmark's encryption-off comparison (HOURGLASS_BENCH_PLAINTEXT). */
  sealing?: boolean;
}

/**
 * Session settings for a connection whose commits need not wait for the WAL flush
 * (`synchronous_commit=off`, docs/decisions/0011). A PostgreSQL crash may then lose its last
 * fraction of a second of commits, never a commit in the middle: for the dispatcher that means
 * redelivery of the affected tasks, not loss.
 */
export const ASYNC_COMMIT = { options: '-c synchronous_commit=off' } as const;

/** The one way every service builds its DataSource: never synchronize, never run migrations implicitly. */
export function createDataSource(options: DbOptions): DataSource {
  const db = new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: options.migrations ?? [],
    migrationsTableName: 'typeorm_migrations',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    extra: {
      Client: PooledClient,
      max: options.poolMax ?? 10,
      application_name: options.applicationName ?? 'hourglass',
      connectionTimeoutMillis: 5_000,
      ...(options.asyncCommit ? ASYNC_COMMIT : {}),
    },
  });
  if (options.masterKeys)
    attachCipher(db, new FieldCipher(new KeyRing(options.masterKeys), {}, options.sealing ?? true));
  return db;
}
