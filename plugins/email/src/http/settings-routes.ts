import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { SettingsService } from '../settings/settings-service.js';
import { nullableAddress, tenantParams } from './schemas.js';

const tags = ['email'];
const read = { config: { policy: tenantPolicy('read') } };
/** Which server sends as the tenant, with whose password, is for the tenant's admins. */
const admin = { config: { policy: tenantPolicy('admin') } };
const body = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: ['string', 'null'], maxLength: 253, description: "The tenant's SMTP server; null or absent: the platform's (EMAIL_SMTP_URL)" },
    port: { type: 'integer', minimum: 1, maximum: 65_535, description: 'Default 465 (tls), 587 (starttls), 25 (none)' },
    security: { type: 'string', enum: ['tls', 'starttls', 'none'], description: 'tls: TLS from the first byte; starttls: STARTTLS required; none: STARTTLS when offered' },
    username: { type: ['string', 'null'], maxLength: 320 },
    password: { type: ['string', 'null'], maxLength: 1000, description: 'Stored encrypted, never shown again; left out, the saved one is kept (same host and username)' },
    fromAddress: nullableAddress,
    fromName: { type: ['string', 'null'], maxLength: 200 },
    replyTo: nullableAddress,
    noticeAddress: { ...nullableAddress, description: "The billing contact: the platform's notices (trial, invoices, payments, disabled webhooks) go here" },
    ownDomains: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 3, maxLength: 253 }, description: "The tenant's own domains: modules with the tenant email grant may write to them" },
    verify: { type: 'boolean', default: true, description: 'Log in to the server before saving (default); false saves without trying' },
  },
} as const;

/** A tenant's email settings, the login test, and the bounce intake's secret. */
export async function settingsRoutes(instance: FastifyInstance, settings: SettingsService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  const path = '/api/v1/:tenant/email/settings';

  app.get(path, { ...read, schema: { tags, summary: "The tenant's email settings (the password only as passwordSet)", params: tenantParams } }, async (request) => settings.get(tenantOf(request)));

  app.put(path, { ...admin, schema: { tags, summary: 'Save the email settings; the SMTP login is checked first unless verify is false', params: tenantParams, body } }, async (request) => {
    const { verify, ...input } = request.body;
    return settings.put(tenantOf(request), input, { verify });
  });

  app.delete(path, { ...admin, schema: { tags, summary: "Forget the settings: the tenant sends through the platform's server again", params: tenantParams } }, async (request, reply) => {
    await settings.remove(tenantOf(request));
    return reply.code(204).send();
  });

  app.post(`${path}/test`, { ...admin, schema: { tags, summary: 'Log in to the server the tenant sends through (EMAIL_SMTP_AUTH_FAILED, EMAIL_SMTP_UNREACHABLE)', params: tenantParams } }, async (request) =>
    settings.test(tenantOf(request)),
  );

  app.post(
    `${path}/intake-secret`,
    { ...admin, schema: { tags, summary: 'A new secret for the bounce and complaint intake, shown this once (the old one stops working)', params: tenantParams } },
    async (request, reply) => {
      const tenant = tenantOf(request);
      const secret = await settings.rotateIntakeSecret(tenant);
      const origin = `${request.protocol}://${request.host}`;
      return reply.code(201).send({ url: `${origin}/api/webhooks/email/${tenant.subdomain}/events`, secret });
    },
  );
}
