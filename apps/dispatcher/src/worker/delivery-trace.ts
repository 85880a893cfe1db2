import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { contextOf, failSpan, formatTraceparent, tracer } from '@hourglass/platform';
import type { StartedTask } from '@hourglass/db';
import type { AttemptRecord } from '../delivery/index.js';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';

/** The spans of one delivery attempt, and the `traceparent` its request carries. */
export interface DeliveryTrace {
  /** Sent to the target: the CLIENT span's own context (tracing off: the stored one, as is). */
  readonly traceparent: string | null;
  sent(record: AttemptRecord): void;
  end(outcome: string | undefined, error?: unknown): void;
}

const untraced = (traceparent: string | null): DeliveryTrace => ({ traceparent, sent: () => {}, end: () => {} });

/**
 * A CONSUMER span parented on the task's stored context (the producer's span, or a caller's own
 * traceparent when the API was not traced), and its CLIENT child for the outbound request.
 */
export function traceDelivery(task: StartedTask, url: URL | null): DeliveryTrace {
  const active = tracer();
  if (!active) return untraced(task.traceParent);
  const consumer = active.startSpan(
    'process deliver',
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'pg-boss',
        'messaging.destination.name': 'deliver',
        'messaging.operation.type': 'process',
        'hourglass.task.id': task.id,
        'hourglass.attempt': task.attemptNumber,
        ...(task.scheduleId ? { 'hourglass.schedule.id': task.scheduleId } : {}),
      },
    },
    contextOf(task.traceParent),
  );
  const client = active.startSpan(
    task.method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: task.method,
        // No query string: it may carry a target's credentials.
        ...(url ? { [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_URL_FULL]: `${url.origin}${url.pathname}` } : {}),
      },
    },
    trace.setSpan(contextOf(null), consumer),
  );
  return {
    traceparent: formatTraceparent(client),
    sent: (record) => endClient(client, record),
    end: (outcome, error) => {
      if (client.isRecording()) client.end();
      if (error !== undefined) failSpan(consumer, error);
      else if (outcome) consumer.setAttribute('hourglass.delivery.outcome', outcome);
      consumer.end();
    },
  };
}

function endClient(span: Span, record: AttemptRecord): void {
  if (record.statusCode !== null) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, record.statusCode);
  if (record.error !== null) span.setStatus({ code: SpanStatusCode.ERROR, message: record.error.slice(0, 200) });
  else if (record.statusCode !== null && record.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
