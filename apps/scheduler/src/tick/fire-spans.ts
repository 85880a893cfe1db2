import { type Link, type Span, SpanKind, TraceFlags } from '@opentelemetry/api';
import { DELIVERY_QUEUE_ATTRIBUTES, failSpan, formatTraceparent, tracer } from '@hourglass/platform';
import type { PlannedTask } from './tick-rows.js';

/** The PRODUCER spans of one batch's fires, by task id; undefined when tracing is off. */
export interface FireSpans {
  traceparentOf(taskId: string): string | null;
  end(written: ReadonlySet<string>, error?: unknown): void;
}

/**
 * Each occurrence fire starts its own trace (a schedule lives for years; one trace per fire is what
 * a trace backend can show), linked to the schedule: the link's trace id is the schedule's id, so
 * "every fire of this schedule" is one query on the link (docs/decisions/0019).
 */
export function startFireSpans(planned: readonly PlannedTask[]): FireSpans | undefined {
  const active = tracer();
  if (!active || planned.length === 0) return undefined;
  const spans = new Map<string, Span>();
  for (const task of planned) {
    spans.set(
      task.id,
      active.startSpan('fire schedule', {
        kind: SpanKind.PRODUCER,
        root: true,
        links: [scheduleLink(task.scheduleId)],
        attributes: {
          ...DELIVERY_QUEUE_ATTRIBUTES,
          'hourglass.schedule.id': task.scheduleId,
          'hourglass.task.id': task.id,
          'hourglass.occurrence.fire_at': task.fireAt.toISOString(),
        },
      }),
    );
  }
  return {
    traceparentOf: (taskId) => {
      const span = spans.get(taskId);
      return span ? formatTraceparent(span) : null;
    },
    end: (written, error) => {
      for (const [taskId, span] of spans) {
        if (error !== undefined) failSpan(span, error);
        // Another tick had already created this occurrence: its span is the one that counts.
        else if (!written.has(taskId)) span.setAttribute('hourglass.occurrence.duplicate', true);
        span.end();
      }
    },
  };
}

function scheduleLink(scheduleId: string): Link {
  const hex = scheduleId.replaceAll('-', '');
  return {
    context: { traceId: hex, spanId: hex.slice(16), traceFlags: TraceFlags.NONE, isRemote: true },
    attributes: { 'hourglass.link': 'schedule', 'hourglass.schedule.id': scheduleId },
  };
}
