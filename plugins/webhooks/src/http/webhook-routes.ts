import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import { MAX_URL_LENGTH } from '../delivery/url-guard.js';
import { MAX_PREVIOUS_SECRET_SECONDS, type WebhookService } from '../webhook-service.js';
import { deliveryDetailJson, deliveryJson, webhookJson } from './views.js';

const tags = ['webhooks'];
const read = { config: { policy: tenantPolicy('read') } };
/** Where the platform sends a tenant's data, and with which secret, is for the tenant's admins. */
const admin = { config: { policy: tenantPolicy('admin') } };
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const tenantParam = { type: 'string', minLength: 3, maxLength: 63 } as const;
const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: tenantParam } } as const;
const params = { type: 'object', required: ['tenant', 'id'], properties: { tenant: tenantParam, id: { type: 'string', pattern: UUID } } } as const;
const deliveryParams = {
  type: 'object',
  required: ['tenant', 'id', 'deliveryId'],
  properties: { tenant: tenantParam, id: { type: 'string', pattern: UUID }, deliveryId: { type: 'string', pattern: UUID } },
} as const;
const url = { type: 'string', minLength: 1, maxLength: MAX_URL_LENGTH, description: 'http:// or https:// URL of a public address' } as const;
const eventTypes = {
  type: 'array',
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 200, pattern: '^(\\*|[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*)*(\\.\\*)?)$' },
  description: 'Event types: exact (billing.invoice_issued), a family (billing.*), a module type (publisher.module.name) or * for all',
} as const;
const description = { type: 'string', maxLength: 500 } as const;
const enabled = { type: 'boolean' } as const;

/** A tenant's outgoing webhooks: settings, secret rotation, the delivery log, redelivery and a test ping. */
export async function webhookRoutes(instance: FastifyInstance, service: WebhookService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;

  app.post(
    '/api/v1/:tenant/webhooks',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Create a webhook; the answer holds its signing secret (whsec_...), shown this once',
        params: tenantParams,
        body: { type: 'object', additionalProperties: false, required: ['url', 'eventTypes'], properties: { url, eventTypes, description, enabled } },
      },
    },
    async (request, reply) => {
      const { webhook, secret } = await service.create(tenantOf(request), request.body);
      return reply.code(201).send({ ...webhookJson(webhook), secret });
    },
  );

  app.get('/api/v1/:tenant/webhooks', { ...read, schema: { tags, summary: "The tenant's webhooks (secrets are never shown)", params: tenantParams } }, async (request) => ({
    items: (await service.list(tenantOf(request))).map(webhookJson),
  }));

  app.get('/api/v1/:tenant/webhooks/:id', { ...read, schema: { tags, summary: 'One webhook', params } }, async (request) => webhookJson(await service.get(tenantOf(request), request.params.id)));

  app.put(
    '/api/v1/:tenant/webhooks/:id',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Change a webhook (fields left out stay); enabling it again forgets the failures that disabled it',
        params,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { url, eventTypes, description, enabled } },
      },
    },
    async (request) => webhookJson(await service.update(tenantOf(request), request.params.id, request.body)),
  );

  app.delete('/api/v1/:tenant/webhooks/:id', { ...admin, schema: { tags, summary: 'Delete a webhook and its delivery log', params } }, async (request, reply) => {
    await service.delete(tenantOf(request), request.params.id);
    return reply.code(204).send();
  });

  app.post(
    '/api/v1/:tenant/webhooks/:id/rotate-secret',
    {
      ...admin,
      // Usually sent without a body: rotate now, the old secret stops signing at once.
      preValidation: async (request: FastifyRequest) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary: 'A new signing secret, shown once; previousSecretValidSeconds keeps the old one signing too meanwhile (default 0)',
        params,
        body: { type: 'object', additionalProperties: false, properties: { previousSecretValidSeconds: { type: 'integer', minimum: 0, maximum: MAX_PREVIOUS_SECRET_SECONDS, default: 0 } } },
      },
    },
    async (request) => {
      const { webhook, secret } = await service.rotateSecret(tenantOf(request), request.params.id, request.body.previousSecretValidSeconds ?? 0);
      return { ...webhookJson(webhook), secret };
    },
  );

  app.get(
    '/api/v1/:tenant/webhooks/:id/deliveries',
    {
      ...read,
      schema: {
        tags,
        summary: 'The delivery log, newest first: status, attempts, last response status and time, next attempt, error',
        params,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: ['pending', 'sending', 'delivered', 'failed'] },
            page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
            perPage: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
      },
    },
    async (request) => {
      const { status, page = 1, perPage = 20 } = request.query;
      const { items, total } = await service.deliveries(tenantOf(request), request.params.id, { status, limit: perPage, offset: (page - 1) * perPage });
      return { items: items.map(deliveryJson), total, page, perPage };
    },
  );

  app.get('/api/v1/:tenant/webhooks/:id/deliveries/:deliveryId', { ...read, schema: { tags, summary: 'One delivery: its body and every attempt', params: deliveryParams } }, async (request) =>
    deliveryDetailJson(await service.delivery(tenantOf(request), request.params.id, request.params.deliveryId)),
  );

  app.post(
    '/api/v1/:tenant/webhooks/:id/deliveries/:deliveryId/redeliver',
    { ...admin, schema: { tags, summary: 'Send a delivery again now, same delivery id and body, as a new attempt (409 while it is being sent)', params: deliveryParams } },
    async (request) => deliveryDetailJson(await service.redeliver(tenantOf(request), request.params.id, request.params.deliveryId)),
  );

  app.post('/api/v1/:tenant/webhooks/:id/ping', { ...admin, schema: { tags, summary: 'Send a webhook.ping test event now, once, and answer with how it went', params } }, async (request) =>
    deliveryDetailJson(await service.ping(tenantOf(request), request.params.id)),
  );
}
