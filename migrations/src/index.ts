export * from './migrate.js';
export * from './migrations.js';
