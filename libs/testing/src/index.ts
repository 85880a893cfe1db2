export * from './test-database.js';
export * from './http-sink.js';
export * from './factories.js';
export * from './service-process.js';
export * from './bulk-seed.js';
export * from './wait.js';
export * from './otlp-receiver.js';
export * from './monitor-factories.js';
