import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, createTenant, startBillingKernel } from './helpers/billing-kernel.js';

void forEachEngine(t, 'GET /api/v1/tenant/quota reports usage through billing; a suspended tenant can still reach billing', async (t, engine) => {
  const bk = await startBillingKernel(t, engine, { start: new Date('2026-05-01T00:00:00Z') });
  const { app } = bk;
  const co = await createTenant(bk, { name: 'Quota Co', subdomain: 'quota-co' });
  const other = await createTenant(bk, { name: 'Other Co', subdomain: 'other-co' });
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ url: '/api/v1/quota-co/ping', headers: co.headers })).statusCode, 200);
  const quota = await app.inject({ url: '/api/v1/tenant/quota', headers: co.headers });
  t.equal(quota.statusCode, 200, quota.body);
  t.match(quota.json(), { plan: 'starter', limits: { apiCallsPerMonth: 10_000 }, apiCalls: { limit: 10_000 }, agents: { limit: 5 } });
  t.ok(quota.json().apiCalls.used >= 3, 'the calls just made are counted');
  const theirs = await app.inject({ url: '/api/v1/tenant/quota', headers: other.headers });
  t.ok(theirs.json().apiCalls.used < quota.json().apiCalls.used, "the other tenant's count is its own");

  t.equal((await app.inject({ method: 'POST', url: `/api/admin/tenants/${co.id}/suspend`, headers: ADMIN })).statusCode, 200);
  t.equal((await app.inject({ url: '/api/v1/quota-co/info', headers: co.headers })).json().code, 'TENANT_SUSPENDED');
  const invoices = await app.inject({ url: '/api/v1/quota-co/billing/invoices', headers: co.headers });
  t.equal(invoices.statusCode, 200, 'billing stays open to a suspended tenant, so it can pay');
});
