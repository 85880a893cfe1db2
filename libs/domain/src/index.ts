export * from './errors.js';
export * from './durations.js';
export * from './task-status.js';
export * from './backoff.js';
export * from './delivery-outcome.js';
export * from './task-limits.js';
