export * from './trace-context.js';
export * from './tracing-sdk.js';
export * from './producer-span.js';
export * from './server-spans.js';
export { tracingWanted } from './tracing-env.js';
