export * from './delivery-job.js';
export * from './quota.js';
export * from './task-writer.js';
export * from './prepared-occurrences.js';
export * from './params.js';
