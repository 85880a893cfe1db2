import { migrate } from './migrate.js';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required (npm start runs migrations itself on the embedded PostgreSQL).');
  process.exit(2);
}
const started = Date.now();
migrate(url, (line) => console.log(line))
  .then((result) => console.log(`migrations done (${result.applied.length} applied) in ${Date.now() - started} ms`))
  .catch((error: unknown) => {
    console.error('migration failed:', error);
    process.exit(1);
  });
