export * from './ssrf-guard.js';
export * from './guarded-agent.js';
export * from './http-client.js';
export * from './delivery-headers.js';
export * from './smtp-sender.js';
