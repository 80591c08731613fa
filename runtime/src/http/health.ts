import type { FastifyInstance } from 'fastify';
import { KernelErrors } from '../errors.js';
import type { ReadinessCheck } from '../plugin/plugin-host.js';
import { sendProblem } from './problem.js';
import { PUBLIC_POLICY } from './route-policy.js';

const CHECK_TIMEOUT_MS = 2_000;

interface CheckResult {
  plugin: string;
  name: string;
  ok: boolean;
  error?: string;
  /** Set when the check passed but reported a dependency impaired. */
  degraded?: string;
}

async function runCheck(c: ReadinessCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([c.check(), timeout]);
    return outcome?.degraded ? { plugin: c.plugin, name: c.name, ok: true, degraded: outcome.degraded } : { plugin: c.plugin, name: c.name, ok: true };
  } catch (err) {
    return { plugin: c.plugin, name: c.name, ok: false, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

const checkSchema = {
  type: 'object',
  properties: { plugin: { type: 'string' }, name: { type: 'string' }, ok: { type: 'boolean' }, error: { type: 'string' }, degraded: { type: 'string' } },
} as const;

/** Liveness answers while the process serves; readiness asks every plugin's checks (databases, buses). */
export function installHealthRoutes(app: FastifyInstance, options: { checks: readonly ReadinessCheck[]; plugins: () => number }): void {
  app.get(
    '/health',
    {
      config: { policy: PUBLIC_POLICY },
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up and serving',
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } }, required: ['status'] } },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      config: { policy: PUBLIC_POLICY },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: plugins loaded and their databases and services reachable (status degraded: serving with a dependency impaired)',
        response: {
          200: {
            type: 'object',
            properties: { status: { type: 'string' }, plugins: { type: 'integer' }, checks: { type: 'array', items: checkSchema } },
          },
        },
      },
    },
    async (_request, reply) => {
      const checks = await Promise.all(options.checks.map(runCheck));
      const failing = checks.filter((c) => !c.ok);
      if (failing.length > 0) {
        const names = failing.map((c) => `${c.plugin}/${c.name}: ${c.error}`).join('; ');
        return sendProblem(reply, KernelErrors.SERVICE_UNAVAILABLE.with({ checks }, `Not ready: ${names}`));
      }
      // Degraded still serves (200): a load balancer keeps the node, an operator sees what is impaired.
      const status = checks.some((c) => c.degraded) ? 'degraded' : 'ready';
      return { status, plugins: options.plugins(), checks };
    },
  );
}
