import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

export interface MetricsRouteDeps {
  /** The node's metrics (src/metrics): the text exposition and its content type. */
  readonly metrics?: { exposition(): Promise<string>; readonly contentType: string };
}

/**
 * `GET /metrics` in the Prometheus text format (version 0.0.4). Public like
 * the health routes: Prometheus scrapes without an API key. The figures say
 * how much mail flows and where it stalls, so keep the API listener on
 * loopback or a private network, or let the TLS proxy in front restrict
 * `/metrics` (docs/api.md "Metrics and health").
 */
export function metricsRoutes(deps: MetricsRouteDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/metrics',
      operationId: 'getMetrics',
      summary: 'Prometheus metrics (text exposition format 0.0.4)',
      tags: ['health'],
      scope: 'public',
      responses: {
        200: { description: 'The metrics', contentType: 'text/plain; version=0.0.4; charset=utf-8' },
        503: { description: 'A source could not be read (the queue store): problem+json' },
      },
      async handler() {
        const metrics = deps.metrics;
        if (!metrics) throw new ApiProblem('not-found', 'This node keeps no metrics');
        try {
          return { status: 200, body: await metrics.exposition(), contentType: metrics.contentType };
        } catch (err) {
          // A partial exposition would read as counters and gauges dropping to nothing: answer none.
          throw new ApiProblem('temporary-failure', `Metrics could not be collected: ${(err as Error).message}`);
        }
      },
    }),
  ];
}

