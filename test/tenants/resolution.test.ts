import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, BASE_DOMAIN, PROBLEM, bearer, createKey, createTenant, startTenantKernel } from './fixtures/tenant-kernel.js';

void forEachEngine(t, 'a request names its tenant by subdomain, path or X-Tenant-ID', async (t, engine) => {
  const { kernel } = await startTenantKernel(t, engine);
  const { app } = kernel;
  const acme = await createTenant(t, kernel, { name: 'Acme', subdomain: 'acme' });
  const beta = await createTenant(t, kernel, { name: 'Beta', subdomain: 'beta' });
  const acmeKey = (await createKey(kernel, 'acme')).key;

  /** Which tenant answered (`subdomain`), or the refusal's status and code. */
  const who = async (url: string, headers: Record<string, string>) => {
    const res = await app.inject({ url, headers });
    if (res.statusCode === 200) return res.json().subdomain as string;
    t.equal(res.headers['content-type'], PROBLEM, `${url} refused as a problem`);
    return `${res.statusCode} ${res.json().code}`;
  };

  for (const tenant of [acme, beta]) {
    const host = `${tenant.subdomain}.${BASE_DOMAIN}`;
    t.equal(await who('/api/v1/tenant/info', { ...ADMIN, host }), tenant.subdomain, 'subdomain');
    t.equal(await who('/api/v1/tenant/info', { ...ADMIN, host: `${host}:8443` }), tenant.subdomain, 'subdomain with a port');
    t.equal(await who(`/api/v1/${tenant.subdomain}/info`, ADMIN), tenant.subdomain, 'path, by subdomain');
    t.equal(await who(`/api/v1/${tenant.id}/info`, ADMIN), tenant.subdomain, 'path, by id');
    t.equal(await who(`/api/v1/${tenant.id.toUpperCase()}/info`, ADMIN), tenant.subdomain, 'path, by id in capitals');
    t.equal(await who('/api/v1/tenant/info', { ...ADMIN, 'x-tenant-id': tenant.subdomain }), tenant.subdomain, 'header, by subdomain');
    t.equal(await who('/api/v1/tenant/info', { ...ADMIN, 'x-tenant-id': tenant.id }), tenant.subdomain, 'header, by id');
  }

  // Names that agree are fine; names that disagree are refused rather than one silently winning.
  t.equal(await who('/api/v1/acme/info', { ...ADMIN, host: `acme.${BASE_DOMAIN}`, 'x-tenant-id': acme.id }), 'acme');
  t.equal(await who('/api/v1/beta/info', { ...ADMIN, host: `acme.${BASE_DOMAIN}` }), '400 TENANT_AMBIGUOUS');
  t.equal(await who('/api/v1/tenant/info', { ...ADMIN, host: `acme.${BASE_DOMAIN}`, 'x-tenant-id': 'beta' }), '400 TENANT_AMBIGUOUS');
  t.equal(await who('/api/v1/acme/info', { ...ADMIN, 'x-tenant-id': 'beta' }), '400 TENANT_AMBIGUOUS');

  // Hosts that are not a tenant's are ignored, so the other references decide.
  t.equal(await who('/api/v1/tenant/info', { ...ADMIN, host: `www.${BASE_DOMAIN}`, 'x-tenant-id': 'beta' }), 'beta');
  t.equal(await who('/api/v1/tenant/info', { ...ADMIN, host: 'acme.elsewhere.test', 'x-tenant-id': 'beta' }), 'beta');
  t.equal(await who('/api/v1/tenant/info', { ...ADMIN, host: BASE_DOMAIN }), '400 TENANT_REQUIRED', 'the admin must name a tenant');
  t.equal(await who('/api/v1/tenant/info', bearer(acmeKey)), 'acme', "a key alone names its own tenant");
  const quota = await app.inject({ url: '/api/v1/tenant/quota', headers: { ...ADMIN, 'x-tenant-id': 'beta' } });
  t.match(quota.json(), { plan: 'starter', limits: { agents: 5 } }, "the quota of the named tenant's plan");

  t.equal(await who('/api/v1/tenant/info', { ...ADMIN, host: `nobody.${BASE_DOMAIN}` }), '404 TENANT_NOT_FOUND');
  t.equal(await who('/api/v1/nobody/info', ADMIN), '404 TENANT_NOT_FOUND');
  t.equal(await who('/api/v1/tenant/info', { ...ADMIN, 'x-tenant-id': '00000000-0000-4000-8000-000000000000' }), '404 TENANT_NOT_FOUND');
  t.equal(await who('/api/v1/tenant/info', {}), '401 AUTH_REQUIRED', 'resolution never answers without credentials');
});
