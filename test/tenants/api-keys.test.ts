import { createHash } from 'node:crypto';
import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, BASE_DOMAIN, PROBLEM, bearer, createKey, createTenant, startTenantKernel } from './fixtures/tenant-kernel.js';

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

void forEachEngine(t, 'API keys: hashed at rest; revoked, rotated, expired and foreign keys refused', async (t, engine) => {
  const { kernel, logs } = await startTenantKernel(t, engine, { captureLogs: true });
  const { app } = kernel;
  const acme = await createTenant(t, kernel, { name: 'Acme', subdomain: 'acme' });
  const beta = await createTenant(t, kernel, { name: 'Beta', subdomain: 'beta' });
  const made = await createKey(kernel, 'acme', { name: 'integration', scopes: ['read', 'write'] });
  const betaKey = await createKey(kernel, 'beta');
  const allKeys = [made.key, betaKey.key];

  const notes = (headers: Record<string, string>, tenant = 'acme') => app.inject({ url: `/api/v1/${tenant}/notes`, headers });
  const refusal = async (headers: Record<string, string>, tenant = 'acme') => {
    const res = await notes(headers, tenant);
    t.equal(res.headers['content-type'], PROBLEM);
    return { status: res.statusCode, code: res.json().code as string, detail: res.json().detail as string };
  };

  t.match(made.key, /^dgn_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  t.equal((await notes(bearer(made.key))).statusCode, 200, 'as a bearer token');
  t.equal((await notes({ 'x-api-key': made.key })).statusCode, 200, 'as X-API-Key');
  await app.inject({ method: 'POST', url: '/api/v1/acme/notes', headers: bearer(made.key), payload: { id: 'a1', body: 'acme secret' } });

  await t.test('no clear key anywhere: the table, the listing, the audit log, the logs', async (t) => {
    const rows = await engine.controlPlaneRows('SELECT * FROM api_keys');
    t.equal(rows.length, 2);
    const stored = JSON.stringify(rows);
    for (const key of allKeys) {
      t.notOk(stored.includes(key), 'the key is not stored');
      // The secret is everything after `dgn_<12 hex>_`; it may itself hold '_' (base64url).
      t.notOk(stored.includes(key.slice('dgn_'.length + 13)), 'nor its secret part');
    }
    const row = rows.find((r) => r.id === made.id)!;
    t.equal(row.hash, sha256(made.key), 'only its SHA-256');
    t.equal(row.prefix, made.prefix);
    const listed = await app.inject({ url: '/api/admin/tenants/acme/api-keys', headers: ADMIN });
    t.equal(listed.json().items.length, 1);
    t.notOk(listed.body.includes(made.key) || listed.body.includes(row.hash as string), 'the listing shows neither key nor hash');
    const audit = JSON.stringify(await engine.controlPlaneRows('SELECT * FROM audit_log'));
    t.ok(audit.includes(made.prefix), 'the audit names the key by its prefix');
    for (const key of allKeys) t.notOk(audit.includes(key));
    for (const key of allKeys) t.notOk(JSON.stringify(logs).includes(key), 'never logged');
  });

  await t.test('a key for one tenant is refused on another, by path, header and subdomain, and the attempt is logged', async (t) => {
    const tries: Array<[string, Record<string, string>, string]> = [
      ['path', bearer(made.key), 'beta'],
      ['header', { ...bearer(made.key), 'x-tenant-id': 'beta' }, 'tenant'],
      ['header by id', { ...bearer(made.key), 'x-tenant-id': beta.id }, 'tenant'],
      ['subdomain', { ...bearer(made.key), host: `beta.${BASE_DOMAIN}` }, 'tenant'],
    ];
    for (const [via, headers, tenant] of tries) {
      logs.length = 0;
      const res = await refusal(headers, tenant);
      t.same(res, { status: 403, code: 'API_KEY_TENANT_MISMATCH', detail: res.detail }, via);
      t.match(res.detail, /"beta"/);
      const logged = logs.filter((l) => l.event === 'api_key_tenant_mismatch');
      t.equal(logged.length, 1, `the attempt by ${via} is logged once`);
      t.match(logged[0], { level: 40, keyPrefix: made.prefix, keyTenantId: acme.id, requestedTenantId: beta.id });
      t.notOk(JSON.stringify(logs).includes(made.key), 'the log holds the prefix, never the key');
    }
    const write = await app.inject({ method: 'POST', url: '/api/v1/beta/notes', headers: bearer(made.key), payload: { id: 'x', body: 'intrusion' } });
    t.equal(write.json().code, 'API_KEY_TENANT_MISMATCH');
    t.same((await notes(bearer(betaKey.key), 'beta')).json(), { items: [] }, 'beta holds nothing written with acme’s key');
    t.equal((await notes(bearer(betaKey.key), 'acme')).json().code, 'API_KEY_TENANT_MISMATCH', 'and the other way round');
  });

  await t.test('scopes: a read-only key reads but does not write or manage keys', async (t) => {
    const reader = await createKey(kernel, 'acme', { name: 'reader', scopes: ['read'] });
    t.equal((await notes(bearer(reader.key))).statusCode, 200);
    const write = await app.inject({ method: 'POST', url: '/api/v1/acme/notes', headers: bearer(reader.key), payload: { id: 'r1', body: 'x' } });
    t.match(write.json(), { status: 403, code: 'API_KEY_SCOPE_MISSING' });
    const manage = await app.inject({ url: '/api/v1/acme/api-keys', headers: bearer(reader.key) });
    t.match(manage.json(), { status: 403, code: 'API_KEY_SCOPE_MISSING' });

    const owner = await createKey(kernel, 'acme', { name: 'owner', scopes: ['read', 'write', 'admin'] });
    const own = await app.inject({ method: 'POST', url: '/api/v1/acme/api-keys', headers: bearer(owner.key), payload: { name: 'made by the tenant' } });
    t.equal(own.statusCode, 201, "a tenant admin key manages the tenant's own keys");
    t.equal((await notes(bearer(own.json().key))).statusCode, 200);
    const foreign = await app.inject({ method: 'DELETE', url: `/api/v1/acme/api-keys/${betaKey.id}`, headers: bearer(owner.key) });
    t.match(foreign.json(), { status: 404, code: 'API_KEY_NOT_FOUND' }, "but cannot revoke another tenant's key");
    const elsewhere = await app.inject({ url: '/api/v1/beta/api-keys', headers: bearer(owner.key) });
    t.match(elsewhere.json(), { status: 403, code: 'API_KEY_TENANT_MISMATCH' });
    t.equal((await notes(bearer(betaKey.key), 'beta')).statusCode, 200, "beta's key still works");
  });

  await t.test('a revoked key is refused at once', async (t) => {
    const victim = await createKey(kernel, 'acme');
    t.equal((await notes(bearer(victim.key))).statusCode, 200, 'works (and is now cached)');
    const revoke = await app.inject({ method: 'DELETE', url: `/api/admin/tenants/acme/api-keys/${victim.id}`, headers: ADMIN });
    t.equal(revoke.statusCode, 200);
    t.ok(revoke.json().revokedAt);
    t.same(await refusal(bearer(victim.key)), { status: 401, code: 'API_KEY_INVALID', detail: 'The API key is not valid: it was revoked' });
  });

  await t.test('rotation: the new key works, the old one is refused', async (t) => {
    const old = await createKey(kernel, 'acme', { name: 'rotating', scopes: ['read'] });
    t.equal((await notes(bearer(old.key))).statusCode, 200);
    const rotated = await app.inject({ method: 'POST', url: `/api/admin/tenants/acme/api-keys/${old.id}/rotate`, headers: ADMIN });
    t.equal(rotated.statusCode, 201);
    const fresh = rotated.json();
    t.not(fresh.key, old.key);
    t.same(fresh.scopes, ['read'], 'same scopes');
    t.equal(fresh.name, 'rotating', 'same name');
    t.equal((await notes(bearer(fresh.key))).statusCode, 200);
    t.equal((await refusal(bearer(old.key))).code, 'API_KEY_INVALID');
    const again = await app.inject({ method: 'POST', url: `/api/admin/tenants/acme/api-keys/${old.id}/rotate`, headers: ADMIN });
    t.equal(again.statusCode, 401, 'a revoked key cannot be rotated');
  });

  await t.test('expired keys are refused, including one that expires while cached', async (t) => {
    const past = await createKey(kernel, 'acme', { name: 'past', expiresAt: new Date(Date.now() - 60_000).toISOString() });
    t.same(await refusal(bearer(past.key)), { status: 401, code: 'API_KEY_INVALID', detail: 'The API key is not valid: it has expired' });
    // Wide enough that a loaded CI machine still makes the first call in time; then wait out the rest.
    const expiresAt = Date.now() + 4_000;
    const soon = await createKey(kernel, 'acme', { name: 'soon', expiresAt: new Date(expiresAt).toISOString() });
    t.equal((await notes(bearer(soon.key))).statusCode, 200, 'valid until it expires');
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 200));
    t.equal((await refusal(bearer(soon.key))).code, 'API_KEY_INVALID', 'refused once expired, though verified seconds ago');
  });

  await t.test('malformed and unknown keys', async (t) => {
    for (const key of ['not-a-key', made.key.slice(0, -1), made.key.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), `${made.prefix}_${'A'.repeat(43)}`]) {
      t.same((await refusal(bearer(key))).status, 401, key.slice(0, 20));
    }
    t.equal((await refusal({})).code, 'AUTH_REQUIRED');
    t.equal((await refusal({ authorization: 'Basic dXNlcjpwYXNz' })).code, 'AUTH_REQUIRED');
  });

  t.equal((await notes(bearer(made.key))).json().items[0].body, 'acme secret', "acme's own key still reads acme's notes");
});
