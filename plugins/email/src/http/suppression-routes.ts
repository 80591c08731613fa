import type { FastifyInstance, FastifyRequest } from 'fastify';
import { routeCredentialPolicy, tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { SuppressionService } from '../suppressions/suppression-service.js';
import { address, page, tenantParam, tenantParams } from './schemas.js';

const tags = ['email'];
const read = { config: { policy: tenantPolicy('read') } };
const write = { config: { policy: tenantPolicy('write') } };
/** Sending again to an address that bounced or complained is the admins' call. */
const admin = { config: { policy: tenantPolicy('admin') } };
/** A provider proves itself with the tenant's intake secret, which the route checks. */
const intake = { config: { policy: routeCredentialPolicy('email-intake-secret', 'write') } };
const INTAKE_MAX_BYTES = 256 * 1024;

/** The secret of an intake call: the Basic password (Postmark puts it in the webhook URL), a Bearer token, or X-Email-Intake-Secret. */
function presentedSecret(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const [scheme, value] = header.split(' ', 2) as [string, string | undefined];
    if (/^bearer$/i.test(scheme) && value) return value.trim();
    if (/^basic$/i.test(scheme) && value) {
      const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 ? decoded.slice(colon + 1) : undefined;
    }
  }
  const own = request.headers['x-email-intake-secret'];
  return typeof own === 'string' ? own : undefined;
}

/** A tenant's suppression list, and the intake where its mail provider reports bounces and complaints. */
export async function suppressionRoutes(instance: FastifyInstance, suppressions: SuppressionService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  const base = '/api/v1/:tenant/email/suppressions';
  const one = { type: 'object', required: ['tenant', 'address'], properties: { tenant: tenantParam, address } } as const;

  app.get(base, { ...read, schema: { tags, summary: 'Addresses nothing is sent to: hard bounces, complaints, and those added by hand', params: tenantParams, querystring: { type: 'object', additionalProperties: false, properties: page } } }, async (request) => {
    const { page: p = 1, perPage = 20 } = request.query;
    return { ...(await suppressions.list(tenantOf(request), perPage, (p - 1) * perPage)), page: p, perPage };
  });
  app.post(
    base,
    {
      ...write,
      schema: {
        tags,
        summary: 'Add an address (201; 200 when it was already listed, keeping its first reason)',
        params: tenantParams,
        body: { type: 'object', additionalProperties: false, required: ['address'], properties: { address, detail: { type: 'string', maxLength: 500 } } },
      },
    },
    async (request, reply) => {
      const { view, added } = await suppressions.add(tenantOf(request), request.body.address, 'manual', request.body.detail ?? null, 'api');
      return reply.code(added ? 201 : 200).send(view);
    },
  );
  app.delete(`${base}/:address`, { ...admin, schema: { tags, summary: 'Send to an address again', params: one } }, async (request, reply) => {
    await suppressions.remove(tenantOf(request), request.params.address);
    return reply.code(204).send();
  });

  app.post(
    '/api/webhooks/email/:tenant/events',
    {
      ...intake,
      bodyLimit: INTAKE_MAX_BYTES,
      schema: {
        tags,
        summary: "A mail provider's bounce or complaint (Postmark's shape: RecordType Bounce with Type HardBounce, or SpamComplaint; Email); the tenant's intake secret as Basic password or Bearer",
        // Loose on purpose: a tenant that does not exist is a 404, whatever its shape.
        params: { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string', maxLength: 80 } } },
        body: { type: ['object', 'array'] },
      },
    },
    async (request) => {
      const { tenant } = request.params as { tenant: string };
      return { results: await suppressions.receive(tenant, presentedSecret(request), request.body) };
    },
  );
}
