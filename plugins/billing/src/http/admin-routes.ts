import type { FastifyInstance } from 'fastify';
import type { TenantsApi } from '@dogan/tenants';
import type { BillingService } from '../billing-service.js';
import type { FeatureValue } from '../entities/plans.js';
import { invoiceJson } from '../invoices/invoice-json.js';
import type { PlanInput } from '../plans/plan-catalog.js';
import { buyerOf } from '../subscriptions/subscription-service.js';
import { idParams, overridesBody, planBody } from './schemas.js';

const tags = ['billing (platform admin)'];
const security: Array<Record<string, string[]>> = [{ bearer: [] }];
const config = { billingExempt: true };

/** Platform admin: plans, tenant overrides, tax rates, bank transfers, voids, credit notes, payouts, a billing run. */
export async function billingAdminRoutes(app: FastifyInstance, deps: { billing: BillingService; tenants: TenantsApi }): Promise<void> {
  const { billing } = deps;

  app.get('/api/admin/billing/plans', { config, schema: { tags, security } }, async () => ({ plans: await billing.catalog.list() }));

  app.put(
    '/api/admin/billing/plans/:id',
    { config, schema: { tags, security, params: { type: 'object', properties: { id: { type: 'string', pattern: '^[a-z][a-z0-9-]{1,39}$' } } }, body: planBody } },
    async (request) => billing.catalog.put({ ...(request.body as Omit<PlanInput, 'id'>), id: (request.params as { id: string }).id } as PlanInput),
  );

  app.put('/api/admin/billing/tenants/:tenantId/features', { config, schema: { tags, security, body: overridesBody, params: { type: 'object', properties: { tenantId: { type: 'string', maxLength: 64 } } } } }, async (request) => {
    const tenant = await deps.tenants.tenants.get((request.params as { tenantId: string }).tenantId);
    const features = await billing.catalog.setOverrides(tenant.id, (request.body as { features: Record<string, FeatureValue> }).features, 'platform-admin');
    billing.meter.invalidate(tenant.id);
    return { tenantId: tenant.id, overrides: features, resolved: await billing.features(tenant) };
  });

  app.put(
    '/api/admin/billing/tax-rates/:country',
    { config, schema: { tags, security, params: { type: 'object', properties: { country: { type: 'string', pattern: '^[A-Za-z]{2}$' } } }, body: { type: 'object', required: ['rateBasisPoints'], additionalProperties: false, properties: { rateBasisPoints: { type: 'integer', minimum: 0, maximum: 10000 } } } } },
    async (request) => {
      const country = (request.params as { country: string }).country.toUpperCase();
      await billing.catalog.setTaxRate(country, (request.body as { rateBasisPoints: number }).rateBasisPoints);
      return { country, rateBasisPoints: await billing.catalog.taxRate(country) };
    },
  );

  app.post(
    '/api/admin/billing/invoices/:id/confirm-transfer',
    { config, schema: { tags, security, params: idParams, body: { type: 'object', required: ['reference'], additionalProperties: false, properties: { reference: { type: 'string', minLength: 1, maxLength: 120 } } } } },
    async (request) => {
      const invoice = await billing.payments.confirmTransfer((request.params as { id: string }).id, (request.body as { reference: string }).reference);
      return invoiceJson(await billing.invoices.byId(invoice.id));
    },
  );

  app.post('/api/admin/billing/invoices/:id/void', { config, schema: { tags, security, params: idParams } }, async (request) => {
    const invoice = await billing.invoices.void((request.params as { id: string }).id);
    return invoiceJson(await billing.invoices.byId(invoice.id));
  });

  app.post('/api/admin/billing/invoices/:id/credit-note', { config, schema: { tags, security, params: idParams } }, async (request) => {
    const { invoice } = await billing.invoices.byId((request.params as { id: string }).id);
    const tenant = await deps.tenants.tenants.get(invoice.tenantId);
    const note = await billing.invoices.creditNote(invoice.id, buyerOf(tenant));
    return invoiceJson(await billing.invoices.byId(note.id), tenant.timezone);
  });

  app.get(
    '/api/admin/billing/payouts',
    { config, schema: { tags, security, querystring: { type: 'object', required: ['from', 'to'], properties: { from: { type: 'string', format: 'date-time' }, to: { type: 'string', format: 'date-time' } } } } },
    async (request) => {
      const q = request.query as { from: string; to: string };
      return billing.modules.payoutReport(new Date(q.from), new Date(q.to));
    },
  );

  app.post('/api/admin/billing/run', { config, schema: { tags, security } }, async () => billing.runCycle());
}
