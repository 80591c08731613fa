import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import { IDEMPOTENCY_KEY_HEADER, IdempotencyStore, installIdempotency, type Tenant, type TenantsApi } from '@dogan/tenants';
import type { OutgoingEmail } from '../email-api.js';
import { MAX_KEY_LENGTH, MAX_RECIPIENTS, type SendService } from '../send/send-service.js';
import { messageDetailView, messageView } from '../send/views.js';
import { MAX_HTML, MAX_SUBJECT, MAX_TEXT } from '../templates/template-service.js';
import { address, locale, page, tenantParam, tenantParams, templateName, UUID } from './schemas.js';

const tags = ['email'];
const read = { config: { policy: tenantPolicy('read') } };
/** A send is an effect: `Idempotency-Key` makes a retried request send once. */
const send = { config: { policy: tenantPolicy('write'), idempotency: true } };
const idParams = { type: 'object', required: ['tenant', 'id'], properties: { tenant: tenantParam, id: { type: 'string', pattern: UUID } } } as const;
const body = {
  type: 'object',
  additionalProperties: false,
  required: ['to'],
  properties: {
    to: { type: ['string', 'array'], minLength: 3, maxLength: 254, minItems: 1, maxItems: MAX_RECIPIENTS, items: address },
    cc: { type: 'array', maxItems: MAX_RECIPIENTS, items: address },
    replyTo: address,
    template: templateName,
    locale,
    data: { type: 'object', description: "The template's values" },
    subject: { type: 'string', minLength: 1, maxLength: MAX_SUBJECT },
    text: { type: 'string', minLength: 1, maxLength: MAX_TEXT },
    html: { type: 'string', minLength: 1, maxLength: MAX_HTML },
    idempotencyKey: { type: 'string', minLength: 1, maxLength: MAX_KEY_LENGTH, description: 'A second send with the key answers with the first message (default: the Idempotency-Key header)' },
  },
} as const;
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { type: 'string', enum: ['queued', 'sending', 'sent', 'failed', 'suppressed'] }, ...page },
} as const;

/** Sending for API clients, and the record of every message the tenant sent or tried to. */
export async function messageRoutes(instance: FastifyInstance, sender: SendService, tenants: TenantsApi): Promise<void> {
  await instance.register(async (scope) => {
    installIdempotency(scope, { store: new IdempotencyStore({ orm: tenants.controlPlane }) });
    const app = scope.withTypeProvider<JsonSchemaTypeProvider>();
    const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;

    app.post(
      '/api/v1/:tenant/email/messages',
      { ...send, schema: { tags, summary: 'Queue an email: a template with data, or a subject and body (202; 200 with the first message for a repeated key)', params: tenantParams, body } },
      async (request, reply) => {
        const header = request.headers[IDEMPOTENCY_KEY_HEADER];
        const { idempotencyKey, ...rest } = request.body;
        const key = idempotencyKey ?? (typeof header === 'string' ? header : undefined);
        const message: OutgoingEmail = { ...rest, data: rest.data as Record<string, unknown> | undefined, source: 'api', ...(key ? { idempotencyKey: key } : {}) };
        const { message: recorded, created } = await sender.record(tenantOf(request), message);
        return reply.code(created ? 202 : 200).send(messageView(recorded));
      },
    );

    app.get('/api/v1/:tenant/email/messages', { ...read, schema: { tags, summary: 'Messages, newest first, with status, attempts and last error', params: tenantParams, querystring: listQuery } }, async (request) => {
      const { status, page: p = 1, perPage = 20 } = request.query;
      const { items, total } = await sender.list(tenantOf(request), { status, limit: perPage, offset: (p - 1) * perPage });
      return { items: items.map(messageView), total, page: p, perPage };
    });

    app.get('/api/v1/:tenant/email/messages/:id', { ...read, schema: { tags, summary: 'One message with what was sent (subject, HTML, text)', params: idParams } }, async (request) =>
      messageDetailView(await sender.get(tenantOf(request), request.params.id)),
    );
  });
}
