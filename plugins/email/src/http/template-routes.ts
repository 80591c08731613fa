import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { Localization } from '../templates/localization.js';
import { MAX_HTML, MAX_SUBJECT, MAX_TEXT, type TemplateService } from '../templates/template-service.js';
import type { Locale } from '../store/template-store.js';
import { locale, tenantParam, tenantParams, templateName } from './schemas.js';

const tags = ['email templates'];
const read = { config: { policy: tenantPolicy('read') } };
const write = { config: { policy: tenantPolicy('write') } };
const named = { type: 'object', required: ['tenant', 'name'], properties: { tenant: tenantParam, name: templateName } } as const;
const localeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['subject'],
  properties: {
    subject: { type: 'string', minLength: 1, maxLength: MAX_SUBJECT },
    html: { type: ['string', 'null'], maxLength: MAX_HTML },
    text: { type: ['string', 'null'], maxLength: MAX_TEXT },
  },
} as const;
const body = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { ar: localeBody, en: localeBody },
  description: 'Per language: a subject and an html or text body; {{name}} values, {{#section}}...{{/section}}, filters such as {{total | money}}',
} as const;
const previewBody = {
  type: 'object',
  additionalProperties: false,
  properties: { locale, data: { type: 'object', description: 'The values the template shows' } },
} as const;

/** A tenant's templates (and the platform notices, read-only), and a preview that renders without sending. */
export async function templateRoutes(instance: FastifyInstance, templates: TemplateService, localization: Localization): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  const base = '/api/v1/:tenant/email/templates';

  app.get(base, { ...read, schema: { tags, summary: "The platform's notice templates and the tenant's own", params: tenantParams } }, async (request) => ({
    items: await templates.list(tenantOf(request)),
  }));
  app.get(`${base}/:name`, { ...read, schema: { tags, summary: 'One template, every language', params: named } }, async (request) => templates.get(tenantOf(request), request.params.name));
  app.put(`${base}/:name`, { ...write, schema: { tags, summary: 'Save a template in Arabic, English or both ({{{raw}}} is refused)', params: named, body } }, async (request) => {
    const { ar, en } = request.body;
    const part = (b: typeof ar) => (b ? { subject: b.subject, html: b.html ?? null, text: b.text ?? null } : undefined);
    const locales: Partial<Record<Locale, { subject: string; html: string | null; text: string | null }>> = {};
    if (ar) locales.ar = part(ar);
    if (en) locales.en = part(en);
    return templates.put(tenantOf(request), request.params.name, locales);
  });
  app.delete(`${base}/:name`, { ...write, schema: { tags, summary: "Delete one of the tenant's templates", params: named } }, async (request, reply) => {
    await templates.remove(tenantOf(request), request.params.name);
    return reply.code(204).send();
  });
  app.post(
    `${base}/:name/preview`,
    // A POST, so `write` as every POST of the platform, though it changes nothing.
    { ...write, schema: { tags, summary: 'Render a template with data in a language, as it would be sent (subject, HTML document, text), without sending', params: named, body: previewBody } },
    async (request) => {
      const tenant = tenantOf(request);
      const { locale: asked, data } = request.body ?? {};
      const language = asked ?? (await localization.language(tenant));
      return templates.render(tenant, { template: request.params.name, data: (data ?? {}) as Record<string, unknown>, locale: language });
    },
  );
}
