import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One registry per process with `hourglass_` metrics and the process defaults. Metrics are
 * created here or by the owning service through `metrics.counter(...)`; names follow Prometheus
 * conventions (`_total` counters, `_seconds` histograms).
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry, prefix: 'hourglass_process_' });
    // prom-client also names three gauges `…_total`, which Prometheus keeps for counters (promtool
    // refuses them); `hourglass_process_nodejs_active_resources{type}` says the same without the suffix.
    for (const name of ['active_handles', 'active_requests', 'active_resources'])
      this.registry.removeSingleMetric(`hourglass_process_nodejs_${name}_total`);
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    collect?: (this: Gauge<L>) => void | Promise<void>,
  ): Gauge<L> {
    return new Gauge({ name, help, labelNames, registers: [this.registry], ...(collect ? { collect } : {}) });
  }

  histogram<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[] = [],
    buckets?: number[],
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) });
  }
}

/** Latency buckets from 1 ms to 60 s, for HTTP and delivery durations. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Targets refused by the SSRF policy: at `create` (the API's check of an IP literal or localhost) or
 * at `connect` (the dispatcher's check of every resolved address).
 */
export function ssrfRefusals(metrics: Metrics): Counter<'stage'> {
  return metrics.counter('hourglass_ssrf_refusals_total', 'Targets refused by the SSRF policy', ['stage']);
}
