import { type Attributes, type Span, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { contextOf, formatTraceparent } from './trace-context.js';
import { tracer } from './tracing-sdk.js';

/**
 * Runs `write` inside a PRODUCER span that is a child of `parentTraceparent`; `write` gets the
 * `traceparent` to store with the task(s), the span's own context, so the delivery continues the
 * trace from here. Tracing off: `write` gets the parent as is (a caller's traceparent is passed through).
 */
export async function withProducerSpan<T>(
  name: string,
  parentTraceparent: string,
  attributes: Attributes,
  write: (traceparent: string, span?: Span) => Promise<T>,
): Promise<T> {
  const active = tracer();
  if (!active) return write(parentTraceparent);
  const span = active.startSpan(name, { kind: SpanKind.PRODUCER, attributes }, contextOf(parentTraceparent));
  try {
    return await write(formatTraceparent(span), span);
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}

export function failSpan(span: Span, error: unknown): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}

/** Messaging attributes of a write to the delivery queue (pg-boss). */
export const DELIVERY_QUEUE_ATTRIBUTES: Attributes = {
  'messaging.system': 'pg-boss',
  'messaging.destination.name': 'deliver',
  'messaging.operation.type': 'send',
};
