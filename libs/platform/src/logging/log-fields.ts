import type { Logger } from 'pino';
import { parseTraceparent } from '../tracing/trace-context.js';
import type { AppLogger } from './app-logger.js';
import { redactValue } from './redact.js';

/** The OpenTelemetry log data model's names, so a log backend links a line to its trace. */
export interface TraceFields {
  trace_id?: string;
  span_id?: string;
}

/** The trace and span ids of a `traceparent` (this hop's span when traced), or nothing when absent or malformed. */
export function traceFields(traceparent: string | null | undefined): TraceFields {
  const context = parseTraceparent(traceparent);
  return context ? { trace_id: context.traceId, span_id: context.spanId } : {};
}

/**
 * A pino child carrying `fields` on every line. Bindings skip the logMethod hook that redacts call
 * arguments, so they are redacted here, by the same rule.
 */
export function childLogger(logger: AppLogger, fields: Record<string, unknown>): Logger {
  return logger.pino.child(redactValue(fields) as Record<string, unknown>);
}
