import type { FastifyInstance } from 'fastify';
import { PLATFORM_ADMIN_POLICY, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { TenantsApi } from '@dogan/tenants';
import type { BillingService } from '../billing-service.js';
import type { FeatureValue } from '../entities/plans.js';
import { invoiceJson } from '../invoices/invoice-json.js';
import { buyerOf } from '../subscriptions/subscription-service.js';
import { idParams, overridesBody, planBody } from './schemas.js';

const tags = ['billing (platform admin)'];
const config = { policy: PLATFORM_ADMIN_POLICY };

/**
 * Feature values are left untyped by the schema (the edge would coerce a limit of 0 to `false`);
 * PlanCatalog checks each against its feature before storing it.
 */
const featureValues = (features: Record<string, unknown>) => features as Record<string, FeatureValue>;

/** Platform admin: plans, tenant overrides, tax rates, bank transfers, voids, credit notes, payouts, a billing run. */
export async function billingAdminRoutes(instance: FastifyInstance, deps: { billing: BillingService; tenants: TenantsApi }): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const { billing } = deps;

  app.get('/api/admin/billing/plans', { config, schema: { tags } }, async () => ({ plans: await billing.catalog.list() }));

  app.put(
    '/api/admin/billing/plans/:id',
    { config, schema: { tags, params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,39}$' } } }, body: planBody } },
    async (request) => billing.catalog.put({ ...request.body, features: featureValues(request.body.features), id: request.params.id }),
  );

  app.put('/api/admin/billing/tenants/:tenantId/features', { config, schema: { tags, body: overridesBody, params: { type: 'object', required: ['tenantId'], properties: { tenantId: { type: 'string', maxLength: 64 } } } } }, async (request) => {
    const tenant = await deps.tenants.tenants.get(request.params.tenantId);
    const features = await billing.catalog.setOverrides(tenant.id, featureValues(request.body.features), 'platform-admin');
    billing.meter.invalidate(tenant.id);
    return { tenantId: tenant.id, overrides: features, resolved: await billing.features(tenant) };
  });

  app.put(
    '/api/admin/billing/tax-rates/:country',
    { config, schema: { tags, params: { type: 'object', required: ['country'], properties: { country: { type: 'string', pattern: '^[A-Za-z]{2}$' } } }, body: { type: 'object', required: ['rateBasisPoints'], additionalProperties: false, properties: { rateBasisPoints: { type: 'integer', minimum: 0, maximum: 10000 } } } } },
    async (request) => {
      const country = request.params.country.toUpperCase();
      await billing.catalog.setTaxRate(country, request.body.rateBasisPoints);
      return { country, rateBasisPoints: await billing.catalog.taxRate(country) };
    },
  );

  app.post(
    '/api/admin/billing/invoices/:id/confirm-transfer',
    { config, schema: { tags, params: idParams, body: { type: 'object', required: ['reference'], additionalProperties: false, properties: { reference: { type: 'string', minLength: 1, maxLength: 120 } } } } },
    async (request) => {
      const invoice = await billing.payments.confirmTransfer(request.params.id, request.body.reference);
      return invoiceJson(await billing.invoices.byId(invoice.id));
    },
  );

  app.post('/api/admin/billing/invoices/:id/void', { config, schema: { tags, params: idParams } }, async (request) => {
    const invoice = await billing.invoices.void(request.params.id);
    return invoiceJson(await billing.invoices.byId(invoice.id));
  });

  app.post('/api/admin/billing/invoices/:id/credit-note', { config, schema: { tags, params: idParams } }, async (request) => {
    const { invoice } = await billing.invoices.byId(request.params.id);
    const tenant = await deps.tenants.tenants.get(invoice.tenantId);
    const note = await billing.invoices.creditNote(invoice.id, buyerOf(tenant));
    return invoiceJson(await billing.invoices.byId(note.id), tenant.timezone);
  });

  app.get(
    '/api/admin/billing/payouts',
    { config, schema: { tags, querystring: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } } } } },
    async (request) => {
      const q = request.query;
      return billing.modules.payoutReport(new Date(q.from), new Date(q.to));
    },
  );

  app.post('/api/admin/billing/run', { config, schema: { tags } }, async () => billing.runCycle());
}
