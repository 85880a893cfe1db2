import { trace, type Tracer } from '@opentelemetry/api';
import { batchOptionsFromEnv, otlpProtocol, samplerFromEnv, tracingWanted } from './tracing-env.js';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

interface Started {
  tracer: Tracer;
  shutdown: () => Promise<void>;
}

let started: Started | undefined;

/**
 * Starts the OpenTelemetry trace SDK from the standard OTEL_* variables, before Nest is created.
 * Off (no endpoint, or OTEL_SDK_DISABLED=true), nothing is loaded and every span helper is a plain
 * function call: `tracer()` is undefined. Spans are manual (no monkey-patching instrumentation), so
 * starting after the static imports loses nothing.
 */
export async function startTracing(defaultServiceName: string): Promise<void> {
  if (started || !tracingWanted()) return;
  const [{ BatchSpanProcessor, TracerProvider }, resources, exporter] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
    otlpProtocol() === 'http/json'
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  const resource = resources
    .resourceFromAttributes({ [ATTR_SERVICE_NAME]: defaultServiceName })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const provider = new TracerProvider({
    resource,
    sampler: samplerFromEnv(),
    spanProcessors: [new BatchSpanProcessor({ exporter: new exporter.OTLPTraceExporter(), ...batchOptionsFromEnv() })],
  });
  trace.setGlobalTracerProvider(provider);
  started = { tracer: provider.getTracer('hourglass'), shutdown: () => provider.shutdown() };
}

/** The tracer when tracing is on; undefined when off, so callers skip span work entirely. */
export function tracer(): Tracer | undefined {
  return started?.tracer;
}

/** Exports what is buffered and stops: called after the service has drained (app.close()). */
export async function shutdownTracing(): Promise<void> {
  const current = started;
  started = undefined;
  await current?.shutdown().catch(() => undefined);
}
