import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { ADMIN, PROBLEM, bearer, createKey, createTenant, inventory, startTenantKernel } from './fixtures/tenant-kernel.js';


interface Case {
  what: string;
  /** Set where the kernel, not the tenants plugin, answers outside problem+json (see the report). */
  todo?: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
  status: number;
  code: string | RegExp;
}

void forEachEngine(t, 'bad input: 4xx problem+json, never a 500, and nothing created', async (t, engine) => {
  const { kernel } = await startTenantKernel(t, engine);
  const { app } = kernel;
  const acme = await createTenant(t, kernel, { name: 'Acme', subdomain: 'acme' });
  await createTenant(t, kernel, { name: 'Beta', subdomain: 'beta' });
  const acmeKey = await createKey(kernel, 'acme');
  await app.inject({ method: 'POST', url: '/api/v1/acme/notes', headers: ADMIN, payload: { id: 'n1', body: 'acme' } });
  const before = await inventory(engine);
  const auditBefore = (await engine.controlPlaneRows('SELECT COUNT(*) AS n FROM audit_log'))[0]!.n;
  const keysBefore = (await engine.controlPlaneRows('SELECT COUNT(*) AS n FROM api_keys'))[0]!.n;

  const create = (payload: unknown, what: string, status: number, code: string | RegExp): Case => ({ what, method: 'POST', url: '/api/admin/tenants', payload, status, code });
  const uuidLike = '3f2b8c1e-6d2a-4c1b-9a57-0f6f2f9e1a11';
  const cases: Case[] = [
    // Names
    create({ name: '' }, 'empty name', 400, 'VALIDATION_FAILED'),
    create({ name: 'A' }, 'one-character name', 400, 'TENANT_NAME_INVALID'),
    create({ name: '   ' }, 'blank name', 400, 'TENANT_NAME_INVALID'),
    create({ name: 'Ac\u0000me' }, 'NUL in the name (refused at the door, as in every part of every request)', 400, 'VALIDATION_FAILED'),
    create({ name: 'Bad\u0007Bell' }, 'control character in the name', 400, 'TENANT_NAME_INVALID'),
    create({ name: 'Line\nBreak' }, 'line break in the name', 400, 'TENANT_NAME_INVALID'),
    create({ name: 'Evil\u202Eflipped' }, 'bidi override in the name', 400, 'TENANT_NAME_INVALID'),
    create({ name: 'x'.repeat(300) }, '300-character name', 400, 'VALIDATION_FAILED'),
    create({ name: 'x'.repeat(150) }, '150-character name', 400, 'TENANT_NAME_INVALID'),
    create({ name: '---' }, 'a name without letters', 400, 'TENANT_NAME_INVALID'),
    create({ name: { en: 'Acme' } }, 'an object as name', 400, 'VALIDATION_FAILED'),
    create({}, 'no name', 400, 'VALIDATION_FAILED'),
    // Subdomains
    create({ name: 'Acme Again', subdomain: 'acme' }, 'duplicate subdomain', 409, 'SUBDOMAIN_TAKEN'),
    ...['www', 'api', 'admin', 'mail', 'status'].map((s) => create({ name: 'Reserved Co', subdomain: s }, `reserved "${s}"`, 409, 'SUBDOMAIN_RESERVED')),
    create({ name: 'Short', subdomain: 'ab' }, 'two-letter subdomain', 400, 'SUBDOMAIN_INVALID'),
    create({ name: 'Caps', subdomain: 'Acme2' }, 'capitals', 400, 'SUBDOMAIN_INVALID'),
    create({ name: 'Dash', subdomain: '-acme' }, 'leading dash', 400, 'SUBDOMAIN_INVALID'),
    create({ name: 'Dash', subdomain: 'acme-' }, 'trailing dash', 400, 'SUBDOMAIN_INVALID'),
    create({ name: 'Dashes', subdomain: 'ac--me' }, 'double dash', 400, 'SUBDOMAIN_INVALID'),
    create({ name: 'Dots', subdomain: 'a.b.c' }, 'dots', 400, 'SUBDOMAIN_INVALID'),
    create({ name: 'Long', subdomain: 'x'.repeat(64) }, '64 characters', 400, 'SUBDOMAIN_INVALID'),
    create({ name: 'Unicode', subdomain: 'شركة' }, 'non-ASCII', 400, 'SUBDOMAIN_INVALID'),
    create({ name: 'Lookalike', subdomain: uuidLike }, 'shaped like a tenant id', 400, 'SUBDOMAIN_INVALID'),
    create({ name: 'Lookalike', subdomain: acme.id }, "another tenant's id", 400, 'SUBDOMAIN_INVALID'),
    // Other fields
    create({ name: 'Plan', plan: 'platinum' }, 'unknown plan', 400, 'VALIDATION_FAILED'),
    create({ name: 'Server', databaseServer: 'nowhere' }, 'unknown database server', 400, 'DATABASE_SERVER_UNKNOWN'),
    create({ name: 'Trial', trialDays: -1 }, 'negative trial', 400, 'VALIDATION_FAILED'),
    create({ name: 'Extra', isAdmin: true }, 'unknown property', 400, 'VALIDATION_FAILED'),
    create('{"name": "Acme",', 'malformed JSON', 400, 'INVALID_JSON'),
    { what: 'oversized create body', method: 'POST', url: '/api/admin/tenants', payload: { name: 'Big', padding: 'x'.repeat(20_000) }, status: 413, code: 'BODY_TOO_LARGE' },
    // Malformed ids in paths and headers
    { what: 'malformed admin id', url: '/api/admin/tenants/NOT!VALID', status: 400, code: 'VALIDATION_FAILED' },
    { what: 'overlong admin id', url: `/api/admin/tenants/${'a'.repeat(100)}`, status: 400, code: 'VALIDATION_FAILED' },
    { what: 'encoded traversal', method: 'DELETE', url: '/api/admin/tenants/..%2F..%2Fetc', status: 400, code: 'VALIDATION_FAILED' },
    { what: 'malformed escape', url: '/api/admin/tenants/%E0%A4%A', status: 400, code: 'BAD_REQUEST' },
    { what: 'suspend a malformed id', method: 'POST', url: '/api/admin/tenants/x!y/suspend', status: 400, code: 'VALIDATION_FAILED' },
    { what: 'malformed key id', method: 'DELETE', url: `/api/admin/tenants/acme/api-keys/not-a-uuid`, status: 400, code: 'VALIDATION_FAILED' },
    { what: 'unknown key id', method: 'DELETE', url: `/api/admin/tenants/acme/api-keys/${uuidLike}`, status: 404, code: 'API_KEY_NOT_FOUND' },
    { what: 'unknown tenant id', url: `/api/admin/tenants/${uuidLike}`, status: 404, code: 'TENANT_NOT_FOUND' },
    { what: 'malformed tenant in the path', url: '/api/v1/bad!id/notes', headers: ADMIN, status: 400, code: 'TENANT_ID_INVALID' },
    { what: 'capitals in the path', url: '/api/v1/ACME/notes', headers: ADMIN, status: 400, code: 'TENANT_ID_INVALID' },
    { what: 'malformed escape in the tenant path', url: '/api/v1/%E0%A4%A/notes', headers: ADMIN, status: 400, code: 'BAD_REQUEST' },
    { what: 'SQL in the path', url: "/api/v1/acme'%20OR%20'1'='1/notes", headers: ADMIN, status: 400, code: 'TENANT_ID_INVALID' },
    { what: 'malformed X-Tenant-ID', url: '/api/v1/tenant/notes', headers: { ...ADMIN, 'x-tenant-id': 'bad id!' }, status: 400, code: 'TENANT_ID_INVALID' },
    { what: 'overlong X-Tenant-ID', url: '/api/v1/tenant/notes', headers: { ...ADMIN, 'x-tenant-id': 'a'.repeat(500) }, status: 400, code: 'TENANT_ID_INVALID' },
    { what: 'malformed note id', url: '/api/v1/acme/notes/bad!id', headers: ADMIN, status: 400, code: 'VALIDATION_FAILED' },
    // Bodies on tenant routes
    { what: 'oversized note', method: 'POST', url: '/api/v1/acme/notes', headers: bearer(acmeKey.key), payload: { id: 'big', body: 'x'.repeat(20_000) }, status: 413, code: 'BODY_TOO_LARGE' },
    { what: 'oversized update', method: 'PUT', url: `/api/admin/tenants/${acme.id}`, payload: { name: 'x'.repeat(20_000) }, status: 413, code: 'BODY_TOO_LARGE' },
    { what: 'invalid update', method: 'PUT', url: `/api/admin/tenants/${acme.id}`, payload: { name: 'A' }, status: 400, code: 'TENANT_NAME_INVALID' },
    { what: 'empty update', method: 'PUT', url: `/api/admin/tenants/${acme.id}`, payload: {}, status: 400, code: 'VALIDATION_FAILED' },
    { what: 'oversized key request', method: 'POST', url: '/api/admin/tenants/acme/api-keys', payload: { name: 'k', pad: 'x'.repeat(20_000) }, status: 413, code: 'BODY_TOO_LARGE' },
    { what: 'unknown key scope', method: 'POST', url: '/api/admin/tenants/acme/api-keys', payload: { name: 'k', scopes: ['root'] }, status: 400, code: 'VALIDATION_FAILED' },
    { what: 'key for an unknown tenant', method: 'POST', url: `/api/admin/tenants/${uuidLike}/api-keys`, payload: { name: 'k' }, status: 404, code: 'TENANT_NOT_FOUND' },
  ];

  for (const c of cases) {
    const res = await app.inject({
      method: c.method ?? 'GET',
      url: c.url,
      headers: { ...(c.headers ?? ADMIN), ...(typeof c.payload === 'string' ? { 'content-type': 'application/json' } : {}) },
      payload: c.payload as string | object | undefined,
    });
    const body = res.headers['content-type'] === PROBLEM ? res.json() : { code: `not a problem: ${res.body.slice(0, 100)}` };
    t.equal(res.statusCode, c.status, `${c.what}: ${res.statusCode} ${body.code}`);
    t.match(body.code, c.code, `${c.what}: code`, c.todo ? { todo: c.todo } : {});
    if (res.statusCode === 400 || res.statusCode === 409) t.ok(String(body.detail).length > 10, `${c.what}: a message a person can act on`, c.todo ? { todo: c.todo } : {});
  }

  t.same(await inventory(engine), before, 'no tenant record and no database or file was created');
  t.same((await engine.controlPlaneRows('SELECT COUNT(*) AS n FROM audit_log'))[0]!.n, auditBefore, 'nothing was audited as done');
  t.same((await engine.controlPlaneRows('SELECT COUNT(*) AS n FROM api_keys'))[0]!.n, keysBefore, 'no key was made');
  const acmeNow = await app.inject({ url: `/api/admin/tenants/${acme.id}`, headers: ADMIN });
  t.equal(acmeNow.json().name, 'Acme', 'the refused updates changed nothing');
  t.same((await app.inject({ url: '/api/v1/acme/notes', headers: ADMIN })).json().items.map((n: { id: string }) => n.id), ['n1']);
  t.same((await app.inject({ url: '/api/v1/beta/notes', headers: ADMIN })).json(), { items: [] }, 'the second tenant sees nothing of the first');
});
