import { createDataSource } from '@hourglass/db';
import { MIGRATIONS } from './migrations.js';

/** The one DataSource the TypeORM CLI sees (`typeorm migration:generate -d migrations/dist/data-source.js`). */
export default createDataSource({
  url: process.env.DATABASE_URL ?? 'postgres://localhost/hourglass',
  migrations: MIGRATIONS,
});
