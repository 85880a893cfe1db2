import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '@hourglass/domain';
import { LATENCY_BUCKETS, Metrics, problemCodeOf, ssrfRefusals } from '@hourglass/platform';

/**
 * Request count and latency per route pattern (never the raw URL, whose ids would explode the
 * label set), from a Fastify onResponse hook so errors, 404s and non-Nest routes are counted too.
 */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    const labels = ['method', 'route', 'status'] as const;
    const requests = this.metrics.counter('hourglass_http_requests_total', 'HTTP requests answered', labels);
    const duration = this.metrics.histogram(
      'hourglass_http_request_duration_seconds',
      'HTTP request duration',
      labels,
      LATENCY_BUCKETS,
    );
    const errors = this.metrics.counter('hourglass_http_errors_total', 'Problem responses by route and error code', [
      'route',
      'code',
    ]);
    const ssrf = ssrfRefusals(this.metrics);
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', async (request, reply) => {
      const values = {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      };
      requests.inc(values);
      duration.observe(values, reply.elapsedTime / 1000);
      const code = problemCodeOf(reply);
      if (code === undefined) return;
      errors.inc({ route: values.route, code });
      if (code === ErrorCode.TARGET_NOT_ALLOWED) ssrf.inc({ stage: 'create' });
    });
  }
}
