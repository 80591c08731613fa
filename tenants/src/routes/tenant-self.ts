import type { FastifyInstance } from 'fastify';
import { tenantPolicy } from '@dogan/runtime';
import { tenantJson, tenantSchema } from '../http/schemas.js';
import { PLAN_LIMITS } from '../plans.js';
import type { QuotaProvider } from '../index.js';

const tags = ['tenant'];
const config = { policy: tenantPolicy('read') };

const limit = { type: ['integer', 'null'], description: 'null: unlimited' } as const;

/** The calling tenant's own record and quota (the original system's routes). */
export async function tenantSelfRoutes(app: FastifyInstance, quotaProvider: () => QuotaProvider | undefined): Promise<void> {
  const info = { config, schema: { tags, summary: 'The calling tenant', response: { 200: tenantSchema } } };
  app.get('/api/v1/tenant/info', info, async (request) => tenantJson(request.tenant!));
  app.get('/api/v1/:tenant/info', info, async (request) => tenantJson(request.tenant!));

  app.get(
    '/api/v1/tenant/quota',
    {
      config,
      schema: {
        tags,
        summary: "The calling tenant's plan limits, and its usage against them when billing is loaded",
        response: {
          200: {
            type: 'object',
            // With billing: period, apiCalls, agents, workflows, storage and features as well.
            additionalProperties: true,
            properties: {
              plan: { type: 'string' },
              limits: { type: 'object', properties: { agents: limit, workflows: limit, apiCallsPerMonth: limit, storageGb: limit } },
            },
          },
        },
      },
    },
    async (request) => {
      const base = { plan: request.tenant!.plan, limits: PLAN_LIMITS[request.tenant!.plan] };
      const provider = quotaProvider();
      return provider ? { ...base, ...(await provider.usageReport(request.tenant!)) as object } : base;
    },
  );
}
