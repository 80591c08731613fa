import t from 'tap';
import ksaPlugin from '@dogan/plugin-ksa';
import billingPlugin from '../../plugins/billing/src/index.js';
import { adminHeaders, createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { paid } from './fixtures.js';
import { manifest, startMarketKernel } from './helpers.js';

t.test('with billing loaded, a paid module is charged once and a plan-included one is free', async (t) => {
  const { kernel, publish, tenants } = await startMarketKernel(t, { BILLING_PROVIDER: 'none' }, [ksaPlugin, billingPlugin]);
  const { app } = kernel;
  const salesAgent = { manifest: manifest({ id: 'dogan.sales-agent', version: '1.0.0', permissions: [], pricing: { model: 'subscription', interval: 'month', amount: 9900, currency: 'SAR' } }), code: 'export const routes = {};' };
  await publish(paid.manifest, paid.code);
  await publish(salesAgent.manifest, salesAgent.code);
  const a = await createTenantWithKey(app, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const b = await createTenantWithKey(app, { name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' });
  const post = (who: typeof a, path: string, payload?: object) => app.inject({ method: 'POST', url: `/api/v1/${who.subdomain}${path}`, headers: who.headers, ...(payload ? { payload } : {}) });
  const purchases = async (tenantId: string) => {
    const rows = (await tenants.controlPlane.em.fork().getConnection().execute('SELECT COUNT(*) AS n FROM billing_module_purchases WHERE tenant_id = ?', [tenantId])) as Array<{ n: number | string }>;
    return Number(rows[0]!.n);
  };

  const first = await post(a, '/modules/acme.ledger/purchase');
  t.equal(first.statusCode, 200, first.body);
  t.match(first.json(), { charged: true, amount: 4900, currency: 'SAR', reason: 'charged' });
  const again = await post(a, '/modules/acme.ledger/purchase');
  t.match(again.json(), { charged: false, reason: 'already-purchased' });
  t.equal(await purchases(a.id), 1, 'billing recorded one purchase');
  t.equal((await post(a, '/modules/acme.ledger/install', { grants: [] })).statusCode, 201);
  t.equal((await post(b, '/modules/acme.ledger/install', { grants: [] })).json().code, 'MODULE_NOT_PURCHASED', "A's purchase is not B's");
  t.equal(await purchases(b.id), 0);

  const starter = await post(a, '/modules/dogan.sales-agent/purchase');
  t.match(starter.json(), { charged: false, reason: 'included-in-plan' }, 'Starter includes the sales agent');
  t.equal((await post(a, '/modules/dogan.sales-agent/install', { grants: [] })).statusCode, 201);

  const enterprise = await app.inject({ method: 'PUT', url: `/api/admin/tenants/${b.id}`, headers: adminHeaders, payload: { plan: 'enterprise' } });
  t.equal(enterprise.statusCode, 200);
  t.equal(await purchases(b.id), 0);
});
