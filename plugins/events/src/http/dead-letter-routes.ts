import type { FastifyInstance } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { DeadLetter } from '../dead-letters/dead-letter-store.js';

const tags = ['events'];
// A tenant's admins read what failed for them; suspended tenants too, so they can see why.
const config = { policy: tenantPolicy('admin', { allowStatuses: ['suspended'] }) };

const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string', maxLength: 64 } } } as const;
const letterParams = {
  type: 'object',
  required: ['tenant', 'id'],
  properties: { tenant: { type: 'string', maxLength: 64 }, id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
} as const;
const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 } },
} as const;

const deadLetterSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    consumer: { type: 'string' },
    eventId: { type: 'string' },
    type: { type: 'string' },
    version: { type: 'integer' },
    occurredAt: { type: 'string' },
    payload: {},
    attempts: { type: 'integer' },
    lastError: { type: 'string' },
    deadAt: { type: 'string', format: 'date-time' },
    replayedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

function letterJson(l: DeadLetter) {
  return {
    id: l.id,
    consumer: l.consumer,
    eventId: l.event.id,
    type: l.event.type,
    version: l.event.version,
    occurredAt: l.event.occurredAt,
    payload: l.event.payload,
    attempts: l.attempts,
    lastError: l.lastError,
    deadAt: l.deadAt,
    replayedAt: l.replayedAt,
  };
}

export interface DeadLetterRoutesDeps {
  list(tenantId: string, page: { limit: number; offset: number }): Promise<{ items: DeadLetter[]; total: number }>;
  replay(tenantId: string, id: string): Promise<DeadLetter>;
}

/** A tenant admin's view of the events its consumers gave up on, and their replay. */
export async function deadLetterRoutes(instance: FastifyInstance, deps: DeadLetterRoutesDeps): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: { tenant?: unknown }) => request.tenant as Tenant;

  app.get(
    '/api/v1/:tenant/events/dead-letters',
    {
      config,
      schema: {
        tags,
        summary: "Events the tenant's consumers (webhooks, modules) gave up on after their last retry",
        params: tenantParams,
        querystring: pageQuery,
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: deadLetterSchema }, total: { type: 'integer' } } } },
      },
    },
    async (request) => {
      const page = await deps.list(tenantOf(request).id, { limit: request.query.limit ?? 50, offset: request.query.offset ?? 0 });
      return { items: page.items.map(letterJson), total: page.total };
    },
  );

  app.post(
    '/api/v1/:tenant/events/dead-letters/:id/replay',
    {
      config,
      schema: {
        tags,
        summary: 'Deliver a dead letter to its consumer again, once; it stays a dead letter if it fails again',
        params: letterParams,
        response: { 200: deadLetterSchema },
      },
    },
    async (request) => letterJson(await deps.replay(tenantOf(request).id, request.params.id)),
  );
}
