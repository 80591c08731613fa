import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { RequestHistogram } from './request-histogram.js';
import { PUBLIC_POLICY } from './route-policy.js';

/** A registry per kernel (not prom-client's global one), so several kernels can live in one process. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * HTTP duration by method, route pattern and status. The route is the pattern (`/api/v1/:tenant/...`),
 * never the raw URL, and there is no tenant label, so the label set stays bounded. Returns the
 * observer the pipeline calls once a response has gone out.
 */
export function installHttpMetrics(app: FastifyInstance, registry: Registry): (request: FastifyRequest, reply: FastifyReply, durationMs: number) => void {
  const histogram = new RequestHistogram(
    'http_request_duration_seconds',
    'Duration of HTTP requests in seconds, by method, route pattern and status code',
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registry,
  );
  const observe = (request: FastifyRequest, reply: FastifyReply, durationMs: number) => {
    histogram.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, durationMs / 1000);
  };
  app.get('/metrics', { config: { policy: PUBLIC_POLICY }, schema: { hide: true } }, async (_request, reply) => {
    reply.type(registry.contentType);
    return registry.metrics();
  });
  return observe;
}
