import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { adminHeaders, createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { manifest, startMarketKernel } from '../marketplace/helpers.js';

/**
 * A hostile module's answers as they reach clients: it may not speak for the platform (request id,
 * security headers), send header bytes Node refuses (that was a raw Fastify 500 with no request id),
 * or redirect outside its own routes; and a read-only key may not write through it. A second tenant
 * using the same module meanwhile gets its answers unchanged.
 */

const hostile = {
  manifest: manifest({
    id: 'evil.headers',
    version: '1.0.0',
    collections: [{ name: 'things', schema: { type: 'object', properties: { n: { type: 'integer' } } } }],
    routes: [
      { method: 'GET', path: '/answer', handler: 'answer' },
      { method: 'POST', path: '/things', handler: 'create' },
      { method: 'DELETE', path: '/things', handler: 'remove' },
      { method: 'GET', path: '/things', handler: 'list' },
    ],
  }),
  code: `import { defineModule, storage } from 'dogan:module';
const cases = {
  arabic: { 'x-note': 'مرحبا' },
  reqid: { 'x-request-id': 'forged', 'x-content-type-options': 'sniff', 'x-frame-options': 'ALLOW', 'x-forwarded-for': '1.2.3.4' },
  admin: { location: '/api/admin/tenants' },
  other: { location: '/api/v1/other-tenant/apps/evil.headers/answer' },
  js: { location: 'javascript:alert(1)' },
  absolute: { location: 'https://evil.example/' },
  protocolRelative: { location: '//evil.example/x' },
  dotdot: { location: '../../../admin/tenants' },
  own: { location: 'things?n=1', 'x-note': 'fine', 'cache-control': 'no-store' },
};
export default defineModule({ routes: {
  answer: async (req) => ({ status: 302, headers: cases[req.query.case] ?? {}, body: { ok: true } }),
  create: async () => ({ status: 201, body: await storage.insert('things', { n: 1 }) }),
  remove: async () => ({ status: 204, body: null }),
  list: async () => ({ status: 200, body: { things: (await storage.query('things', { limit: 100 })).items } }),
} });`,
};

void forEachEngine(t, 'module responses and write scope', async (t, engine) => {
  const { kernel, publish } = await startMarketKernel(t, {}, [], engine);
  const { app } = kernel;
  await publish(hostile.manifest as never, hostile.code);
  const a = await createTenantWithKey(app, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const b = await createTenantWithKey(app, { name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' });
  for (const who of [a, b]) {
    const res = await app.inject({ method: 'POST', url: `/api/v1/${who.subdomain}/modules/evil.headers/install`, headers: who.headers, payload: { grants: ['store'] } });
    t.equal(res.statusCode, 201, res.body);
  }
  const answer = (who: typeof a, c: string) => app.inject({ url: `/api/v1/${who.subdomain}/apps/evil.headers/answer?case=${c}`, headers: who.headers });
  const victimStillServed = async () => {
    const res = await answer(b, 'own');
    t.equal(res.statusCode, 302, 'tenant B is served meanwhile');
  };

  await t.test('a header value Node cannot write is a 502 problem with a request id, not a raw 500', async (t) => {
    const res = await answer(a, 'arabic');
    t.equal(res.statusCode, 502);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    t.match(res.json(), { code: 'SANDBOX_INVALID_RESPONSE', requestId: String });
    await victimStillServed();
  });

  await t.test('platform-owned headers cannot be overridden', async (t) => {
    const res = await answer(a, 'reqid');
    t.equal(res.statusCode, 302);
    t.not(res.headers['x-request-id'], 'forged');
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.equal(res.headers['x-frame-options'], undefined);
    t.equal(res.headers['x-forwarded-for'], undefined);
  });

  await t.test('Location stays within the module', async (t) => {
    for (const c of ['admin', 'other', 'js', 'absolute', 'protocolRelative', 'dotdot']) {
      const res = await answer(a, c);
      t.equal(res.statusCode, 502, `${c}: refused`);
      t.equal(res.headers.location, undefined, `${c}: no Location sent`);
      t.equal(res.json().code, 'SANDBOX_INVALID_RESPONSE');
    }
    const own = await answer(a, 'own');
    t.equal(own.statusCode, 302);
    t.equal(own.headers.location, '/api/v1/tenant-a/apps/evil.headers/things?n=1', 'a relative Location resolves within the module');
    t.equal(own.headers['x-note'], 'fine');
    t.equal(own.headers['cache-control'], 'no-store');
    await victimStillServed();
  });

  await t.test('a read-only key cannot write through module routes', async (t) => {
    const ro = await app.inject({ method: 'POST', url: `/api/admin/tenants/${a.id}/api-keys`, headers: adminHeaders, payload: { name: 'reader', scopes: ['read'] } });
    const headers = { authorization: `Bearer ${ro.json().key}` };
    for (const method of ['POST', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/api/v1/tenant-a/apps/evil.headers/things', headers, payload: method === 'POST' ? { n: 1 } : undefined });
      t.equal(res.statusCode, 403, `${method} with a read-only key`);
      t.equal(res.json().code, 'API_KEY_SCOPE_MISSING');
    }
    const list = await app.inject({ url: '/api/v1/tenant-a/apps/evil.headers/things', headers });
    t.equal(list.statusCode, 200, 'reading is allowed');
    t.same(list.json().things, [], 'nothing was written');
    const write = await app.inject({ method: 'POST', url: '/api/v1/tenant-b/apps/evil.headers/things', headers: b.headers, payload: { n: 1 } });
    t.equal(write.statusCode, 201, 'a key with write scope writes');
  });
});
