import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities/index.js';
import { SnakeNamingStrategy } from './snake-naming.strategy.js';

export interface DbOptions {
  url: string;
  poolMax?: number;
  applicationName?: string;
  migrations?: DataSourceOptions['migrations'];
}

/** The one way every service builds its DataSource: never synchronize, never run migrations implicitly. */
export function createDataSource(options: DbOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: ENTITIES,
    migrations: options.migrations ?? [],
    migrationsTableName: 'typeorm_migrations',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    extra: {
      max: options.poolMax ?? 10,
      application_name: options.applicationName ?? 'hourglass',
      connectionTimeoutMillis: 5_000,
    },
  });
}
