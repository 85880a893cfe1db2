export * from './signing.js';
export * from './api-keys.js';
export * from './key-ring.js';
export * from './field-seal.js';
export * from './webhook-verification.js';
