import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider, type TenantScope } from '@dogan/runtime';
import type { KsaPlatform } from '@dogan/plugin-ksa';
import type { Tenant } from '@dogan/tenants';
import type { BillingService } from '../billing-service.js';
import { BillingErrors } from '../errors.js';
import { invoiceDocuments } from '../invoices/invoice-documents.js';
import { invoiceJson } from '../invoices/invoice-json.js';
import { idempotencyHeaders, invoiceParams, paymentMethodBody, subscriptionBody, subscriptionJson, tenantParams } from './schemas.js';

const tags = ['billing'];
/**
 * Suspended, expired and cancelled tenants still reach billing, or they could never pay their way
 * back; and billing's own calls are not metered (a tenant at its quota must be able to upgrade).
 */
const policy = (scope: TenantScope) => tenantPolicy(scope, { allowStatuses: ['suspended', 'expired', 'cancelled'], metered: false });
const config = { policy: policy('read') };
const adminConfig = { policy: policy('admin') };
/** Routes that move money: a repeat with the same `Idempotency-Key` replays the first answer. */
const moneyConfig = { ...adminConfig, idempotency: true };

/** A subscription busy with another change is worth retrying in a moment: the refusal says so. */
async function retryWhenBusy<T>(reply: FastifyReply, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (BillingErrors.SUBSCRIPTION_BUSY.is(err)) reply.header('retry-after', '1');
    throw err;
  }
}

/** The tenant's billing routes (the original system's `/billing/invoices` and `/billing/subscription`) and its usage dashboard. */
export async function billingTenantRoutes(
  instance: FastifyInstance,
  deps: { billing: BillingService; ksa: KsaPlatform },
): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const { billing, ksa } = deps;
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;

  app.get('/api/v1/:tenant/billing/plans', { config, schema: { tags, params: tenantParams, summary: 'Plans a tenant can choose' } }, async () => ({
    plans: (await billing.catalog.list()).filter((p) => p.active).map((p) => ({ id: p.id, name: p.name, prices: p.prices, overage: p.overage, features: p.features, includedModules: p.includedModules })),
  }));

  app.get('/api/v1/:tenant/billing/subscription', { config, schema: { tags, params: tenantParams, summary: 'The tenant’s subscription' } }, async (request) =>
    subscriptionJson(await billing.subscriptions.ensure(tenantOf(request))),
  );

  app.post(
    '/api/v1/:tenant/billing/subscription',
    { config: moneyConfig, schema: { tags, params: tenantParams, headers: idempotencyHeaders, body: subscriptionBody, summary: 'Start a paid plan or change plan and cycle (upgrades now, prorated; downgrades at period end)' } },
    async (request, reply) => {
      const body = request.body;
      const actor = request.caller?.kind === 'api-key' ? `api-key:${request.caller.prefix}` : 'platform-admin';
      const result = await retryWhenBusy(reply, () => billing.subscriptions.change(tenantOf(request), body, actor));
      const invoice = result.invoiceId ? invoiceJson(await billing.invoices.byId(result.invoiceId), tenantOf(request).timezone) : null;
      return { effect: result.effect, subscription: subscriptionJson(result.subscription), invoice };
    },
  );

  app.post('/api/v1/:tenant/billing/subscription/cancel', { config: adminConfig, schema: { tags, params: tenantParams, summary: 'Cancel at the end of the period' } }, async (request, reply) =>
    subscriptionJson(await retryWhenBusy(reply, () => billing.subscriptions.cancel(tenantOf(request).id))),
  );

  app.post('/api/v1/:tenant/billing/subscription/resume', { config: adminConfig, schema: { tags, params: tenantParams, summary: 'Undo a cancellation before the period ends' } }, async (request, reply) =>
    subscriptionJson(await retryWhenBusy(reply, () => billing.subscriptions.resume(tenantOf(request).id))),
  );

  app.put('/api/v1/:tenant/billing/payment-method', { config: adminConfig, schema: { tags, params: tenantParams, body: paymentMethodBody, summary: 'Save the payment method (Stripe pm_…, Moyasar token)' } }, async (request) =>
    billing.payments.savePaymentMethod(tenantOf(request), request.body.paymentMethod),
  );

  app.get('/api/v1/:tenant/billing/invoices', { config, schema: { tags, params: tenantParams, summary: 'Issued invoices and credit notes, newest first' } }, async (request) => ({
    invoices: (await billing.invoices.list(tenantOf(request).id)).map((i) => invoiceJson(i, tenantOf(request).timezone)),
  }));

  app.get('/api/v1/:tenant/billing/invoices/:ref', { config, schema: { tags, params: invoiceParams, summary: 'One invoice as JSON' } }, async (request) => {
    const tenant = tenantOf(request);
    return invoiceJson(await billing.invoices.find(tenant.id, request.params.ref), tenant.timezone);
  });

  app.get('/api/v1/:tenant/billing/invoices/:ref/html', { config, schema: { tags, params: invoiceParams, summary: 'One invoice as a bilingual (Arabic/English) page with its ZATCA QR code' } }, async (request, reply) => {
    return reply.type('text/html; charset=utf-8').send(await invoiceDocuments(billing, ksa).html(tenantOf(request), request.params.ref));
  });

  app.post('/api/v1/:tenant/billing/invoices/:ref/pay', { config: moneyConfig, schema: { tags, params: invoiceParams, headers: idempotencyHeaders, summary: 'Try to collect an open invoice now' } }, async (request) => {
    const tenant = tenantOf(request);
    const { invoice } = await billing.invoices.find(tenant.id, request.params.ref);
    const payment = await billing.payments.collect(invoice.id);
    return { invoice: invoiceJson(await billing.invoices.byId(invoice.id), tenant.timezone), payment: payment && { status: payment.status, attempt: payment.attempt, failureCode: payment.failureCode } };
  });

  app.get('/api/v1/:tenant/dashboard/usage', { config, schema: { tags, params: tenantParams, summary: 'Usage against the plan’s limits this period' } }, async (request) =>
    billing.usageReport(tenantOf(request)),
  );

  app.get('/api/v1/:tenant/billing/notices', { config, schema: { tags, params: tenantParams, summary: 'What billing has told the tenant (trial ended, payment failed, suspended)' } }, async (request) => ({
    notices: (await billing.subscriptions.notices(tenantOf(request).id)).map((n) => ({ kind: n.kind, details: n.details, at: new Date(n.createdAt).toISOString() })),
  }));
}
