import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, BASE_DOMAIN, bearer, createKey, createTenant, startTenantKernel } from './fixtures/tenant-kernel.js';

void forEachEngine(t, 'two tenants writing the same ids see only their own rows', async (t, engine) => {
  const { kernel } = await startTenantKernel(t, engine);
  const { app } = kernel;
  await createTenant(t, kernel, { name: 'Acme', subdomain: 'acme' });
  await createTenant(t, kernel, { name: 'Beta', subdomain: 'beta' });
  const acmeKey = (await createKey(kernel, 'acme')).key;
  const betaKey = (await createKey(kernel, 'beta')).key;

  // The second tenant must see nothing of the first before it writes anything itself.
  for (const id of ['n1', 'n2']) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/acme/notes', headers: bearer(acmeKey), payload: { id, body: `acme ${id}`, pinned: true } });
    t.equal(res.statusCode, 201);
  }
  t.same((await app.inject({ url: '/api/v1/beta/notes', headers: bearer(betaKey) })).json(), { items: [] });
  t.equal((await app.inject({ url: '/api/v1/beta/notes/n1', headers: bearer(betaKey) })).json().code, 'NOTE_NOT_FOUND');

  for (const id of ['n1', 'n2']) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/beta/notes', headers: bearer(betaKey), payload: { id, body: `beta ${id}` } });
    t.equal(res.statusCode, 201, `beta may use id ${id} that acme uses too`);
  }
  const dup = await app.inject({ method: 'POST', url: '/api/v1/beta/notes', headers: bearer(betaKey), payload: { id: 'n1', body: 'again' } });
  t.equal(dup.json().code, 'NOTE_EXISTS', 'within one tenant an id is still unique');

  const bodies = async (tenant: string, headers: Record<string, string>) =>
    (await app.inject({ url: `/api/v1/${tenant}/notes`, headers })).json().items.map((n: { body: string }) => n.body);
  t.same(await bodies('acme', bearer(acmeKey)), ['acme n1', 'acme n2']);
  t.same(await bodies('beta', bearer(betaKey)), ['beta n1', 'beta n2']);

  // The same holds whichever way the tenant is named.
  t.same(await bodies('tenant', { ...ADMIN, host: `acme.${BASE_DOMAIN}` }), ['acme n1', 'acme n2'], 'by subdomain');
  t.same(await bodies('tenant', { ...ADMIN, host: `beta.${BASE_DOMAIN}` }), ['beta n1', 'beta n2'], 'by subdomain');
  t.same(await bodies('tenant', { ...ADMIN, 'x-tenant-id': 'acme' }), ['acme n1', 'acme n2'], 'by header');
  t.same(await bodies('tenant', { ...ADMIN, 'x-tenant-id': 'beta' }), ['beta n1', 'beta n2'], 'by header');
  t.same(await bodies('tenant', bearer(betaKey)), ['beta n1', 'beta n2'], "by the key's own tenant");

  const one = await app.inject({ url: '/api/v1/acme/notes/n1', headers: bearer(acmeKey) });
  t.match(one.json(), { id: 'n1', body: 'acme n1', pinned: true });
});

void forEachEngine(t, 'isolation holds while tenant databases are evicted and reopened under concurrent load', async (t, engine) => {
  // Six tenants through a cache of two open databases: every round evicts and reopens.
  const { kernel, api } = await startTenantKernel(t, engine, { env: { TENANT_ORM_CACHE_SIZE: '2' } });
  const { app } = kernel;
  const names = ['t-one', 't-two', 't-three', 't-four', 't-five', 't-six'];
  for (const subdomain of names) await createTenant(t, kernel, { name: subdomain, subdomain });

  for (let round = 0; round < 3; round++) {
    const writes = await Promise.all(
      names.map((tenant) => app.inject({ method: 'POST', url: `/api/v1/${tenant}/notes`, headers: ADMIN, payload: { id: `r${round}`, body: `${tenant} round ${round}` } })),
    );
    t.same(writes.map((w) => w.statusCode), names.map(() => 201), `round ${round}: every write succeeded`);
  }
  // Reads in rounds too: a database evicted while a request holds it must still answer that request.
  const failures: string[] = [];
  for (let round = 0; round < 5; round++) {
    const lists = await Promise.all(names.map((tenant) => app.inject({ url: `/api/v1/${tenant}/notes`, headers: ADMIN })));
    for (const [i, tenant] of names.entries()) {
      const res = lists[i]!;
      const bodies = res.statusCode === 200 ? res.json().items.map((n: { body: string }) => n.body) : [];
      const expected = [0, 1, 2].map((r) => `${tenant} round ${r}`);
      if (JSON.stringify(bodies) !== JSON.stringify(expected)) failures.push(`round ${round} ${tenant}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
  }
  t.same(failures, [], 'every tenant read exactly its own three notes in every round');
  t.ok(api.databases.openCount <= 2, `at most the cache size stays open (${api.databases.openCount})`);
});
