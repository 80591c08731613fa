import t from 'tap';
import { addMonths } from '../../plugins/billing/src/index.js';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, createTenant, startBillingKernel } from './helpers/billing-kernel.js';

void forEachEngine(t, 'trial tenants stop at the API-call limit with Retry-After, and start again when the period resets', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { start: new Date('2026-03-10T08:00:00Z') });
  const { app, clock } = bk;
  const co = await createTenant(bk, { name: 'Trial Co', subdomain: 'trial-co', trialDays: 90 });
  const other = await createTenant(bk, { name: 'Other Co', subdomain: 'other-co', trialDays: 90 });
  // An override keeps the test short: the limit is the plan's 10,000 otherwise.
  const put = await app.inject({ method: 'PUT', url: `/api/admin/billing/tenants/${co.id}/features`, headers: ADMIN, payload: { features: { apiCallsPerMonth: 5 } } });
  t.equal(put.statusCode, 200, put.body);
  t.equal(put.json().resolved.apiCallsPerMonth, 5, 'override wins over the plan');
  t.equal(put.json().resolved.agents, 5, 'what is not overridden comes from the plan');
  const ping = () => app.inject({ url: '/api/v1/trial-co/ping', headers: co.headers });
  for (let i = 1; i <= 5; i++) t.equal((await ping()).statusCode, 200, `call ${i}`);
  const refused = await ping();
  t.equal(refused.statusCode, 429);
  t.equal(refused.json().code, 'QUOTA_EXCEEDED');
  const periodEnd = addMonths(new Date('2026-03-10T08:00:00Z'), 1);
  t.equal(refused.headers['retry-after'], String((periodEnd.getTime() - clock.now().getTime()) / 1000), 'Retry-After points at the period reset');
  t.equal(refused.json().resetAt, periodEnd.toISOString());
  const usage = await app.inject({ url: '/api/v1/trial-co/dashboard/usage', headers: co.headers });
  t.equal(usage.statusCode, 200, 'billing routes stay reachable at the limit (so the tenant can upgrade)');
  t.match(usage.json().apiCalls, { used: 5, limit: 5, remaining: 0, hardStop: true });
  t.equal((await app.inject({ url: '/api/v1/other-co/ping', headers: other.headers })).statusCode, 200, "one tenant's limit does not stop another");
  t.match((await app.inject({ url: '/api/v1/other-co/dashboard/usage', headers: other.headers })).json().apiCalls, { used: 1, limit: 10_000 }, 'nor count its calls');

  await bk.billing.flushUsage();
  clock.set(periodEnd.getTime() + 1000);
  t.equal((await ping()).statusCode, 200, 'a new period, a new quota');
  t.match((await app.inject({ url: '/api/v1/trial-co/dashboard/usage', headers: co.headers })).json().apiCalls, { used: 1, limit: 5 });
});

void forEachEngine(t, 'paid plans run into overage at the original rates in SAR: 0.04 per started 1,000 calls, 18.75 per GB', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { start: new Date('2026-04-01T00:00:00Z') });
  const { app, clock } = bk;
  const co = await createTenant(bk, { name: 'Paid Co', subdomain: 'paid-co' });
  await app.inject({ method: 'PUT', url: '/api/v1/paid-co/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'pm_card_visa' } });
  const started = await app.inject({ method: 'POST', url: '/api/v1/paid-co/billing/subscription', headers: co.headers, payload: { plan: 'starter' } });
  t.equal(started.statusCode, 200, started.body);
  // The tenant's database is well under a GB; an override of 0 GB makes its storage billable (1 started GB).
  await app.inject({ method: 'PUT', url: `/api/admin/billing/tenants/${co.id}/features`, headers: ADMIN, payload: { features: { storageGb: 0 } } });
  for (let i = 0; i < 7; i++) t.equal((await app.inject({ url: '/api/v1/paid-co/ping', headers: co.headers })).statusCode, 200);
  const report = (await app.inject({ url: '/api/v1/paid-co/dashboard/usage', headers: co.headers })).json();
  t.match(report.apiCalls, { used: 7, limit: 10_000, hardStop: false });
  // Other nodes' flushed counts: 12,000 more calls this period.
  const start = Date.parse(report.period.start);
  await bk.billing.flushUsage();
  const em = bk.api.controlPlane.em.fork();
  await em.getConnection().execute('UPDATE billing_usage_counters SET value = value + 12000 WHERE id = ?', [`${co.id}|api_calls|${start}`]);
  clock.set(addMonths(new Date(start), 1).getTime() + 1000);
  await bk.billing.runCycle();
  const invoices = (await app.inject({ url: '/api/v1/paid-co/billing/invoices', headers: co.headers })).json().invoices;
  const renewal = invoices[0];
  const byKind = (kind: string) => renewal.lines.filter((l: { kind: string }) => l.kind === kind);
  t.equal(byKind('plan')[0].amount, 37_500);
  const [api, storage] = byKind('overage');
  t.match(api, { quantity: 3, unitAmount: 4, amount: 12 }, '2,007 calls over = 3 started thousands × 0.04 ($0.01 at 3.75, rounded up)');
  t.match(storage, { quantity: 1, unitAmount: 1_875, amount: 1_875 }, '1 started GB × 18.75 ($5.00 at 3.75)');
  t.equal(renewal.subtotal, 37_500 + 12 + 1_875);
  t.equal(renewal.vat, 5_908, '15% of 393.87 = 59.0805 → 59.08');
  t.equal(renewal.total, 39_387 + 5_908);
});

void forEachEngine(t, 'plan limits on agents: 403 PLAN_LIMIT_REACHED past the limit; overrides and Enterprise unlimited', async (t, engine) => {
  const bk = await startBillingKernel(t, engine);
  const { app } = bk;
  const small = await createTenant(bk, { name: 'Small', subdomain: 'small' });
  const big = await createTenant(bk, { name: 'Big', subdomain: 'big', plan: 'enterprise' });
  const agent = (who: { subdomain: string; headers: Record<string, string> }, id: string) =>
    app.inject({ method: 'POST', url: `/api/v1/${who.subdomain}/agents`, headers: who.headers, payload: { id, name: `Agent ${id}` } });
  for (let i = 1; i <= 5; i++) t.equal((await agent(small, `a${i}`)).statusCode, 201, `agent ${i} of 5`);
  const sixth = await agent(small, 'a6');
  t.equal(sixth.statusCode, 403);
  t.match(sixth.json(), { code: 'PLAN_LIMIT_REACHED', resource: 'agents', limit: 5, current: 5 });
  const tenant = await bk.api.tenants.get('small');
  await t.resolves(bk.billing.assertWithinLimit(tenant, 'agents', 4));
  await t.rejects(bk.billing.assertWithinLimit(tenant, 'agents', 5), { code: 'PLAN_LIMIT_REACHED' });
  await t.rejects(bk.billing.assertWithinLimit(tenant, 'workflows', 10), { code: 'PLAN_LIMIT_REACHED' });
  await app.inject({ method: 'PUT', url: `/api/admin/billing/tenants/${small.id}/features`, headers: ADMIN, payload: { features: { agents: 6 } } });
  t.equal((await agent(small, 'a6')).statusCode, 201, 'an override raises the limit');
  t.equal((await agent(small, 'a7')).statusCode, 403);
  const badOverride = await app.inject({ method: 'PUT', url: `/api/admin/billing/tenants/${small.id}/features`, headers: ADMIN, payload: { features: { wings: true } } });
  t.equal(badOverride.json().code, 'FEATURE_UNKNOWN');

  for (let i = 1; i <= 30; i++) if ((await agent(big, `b${i}`)).statusCode !== 201) return t.fail(`enterprise agent ${i} refused`);
  const usage = (await app.inject({ url: '/api/v1/big/dashboard/usage', headers: big.headers })).json();
  t.match(usage, { plan: 'enterprise', agents: { used: 30, limit: null }, apiCalls: { limit: null }, storage: { limitGb: 500 } }, 'Enterprise unlimited is unlimited');
});

void forEachEngine(t, 'counted calls are written on graceful shutdown, none lost', async (t, engine) => {
  const bk = await startBillingKernel(t, engine);
  const co = await createTenant(bk, { name: 'Shut', subdomain: 'shut' });
  await bk.app.inject({ method: 'PUT', url: '/api/v1/shut/billing/payment-method', headers: co.headers, payload: { paymentMethod: 'pm_card_visa' } });
  await bk.app.inject({ method: 'POST', url: '/api/v1/shut/billing/subscription', headers: co.headers, payload: { plan: 'professional' } });
  await Promise.all(Array.from({ length: 40 }, () => bk.app.inject({ url: '/api/v1/shut/ping', headers: co.headers })));
  await bk.kernel.close();
  const rows = await engine.controlPlaneRows(`SELECT value FROM billing_usage_counters WHERE tenant_id = '${co.id}'`);
  t.equal(Number(rows[0]?.value), 40, 'all 40 calls flushed by onClose');
});
