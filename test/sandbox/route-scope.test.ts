import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { validateManifest, type ModuleManifest } from '@dogan/module-manifest';
import { moduleFromSource } from '@dogan/plugin-modules';
import { FIXTURES, startModulesKernel } from './helpers.js';

/**
 * A module route may ask for more than its method's scope (`"scope": "admin"` in the manifest); the
 * platform then refuses keys without it before the module runs. It may never ask for less.
 */

function notesWith(scopes: Record<string, 'read' | 'write' | 'admin'>): ModuleManifest {
  const manifest = JSON.parse(readFileSync(join(FIXTURES, 'notes', 'manifest.json'), 'utf8').replaceAll('{PORT}', '1')) as ModuleManifest;
  return { ...manifest, routes: manifest.routes.map((r) => (scopes[`${r.method} ${r.path}`] ? { ...r, scope: scopes[`${r.method} ${r.path}`] } : r)) };
}

t.test('a route declared admin refuses read and write keys and runs for an admin key', async (t) => {
  const k = await startModulesKernel(t);
  const manifest = notesWith({ 'GET /notes': 'admin', 'DELETE /notes/:id': 'admin' });
  k.runtime.register(moduleFromSource(manifest, readFileSync(join(FIXTURES, 'notes', 'bundle.js'), 'utf8'), join(FIXTURES, 'notes')));
  for (const n of [0, 1]) await k.runtime.enableForTenant(k.tenant(n).id, 'test.notes', ['store']);
  const keyOf = async (n: number, scopes: string[]) => (await k.tenants.keys.create(k.tenant(n).id, { name: scopes.join('+'), scopes })).key;
  const as = (n: number, key: string, method: string, path: string, body?: unknown) =>
    k.kernel.app.inject({ method: method as 'GET', url: `/api/v1/${k.tenant(n).subdomain}/apps/test.notes${path}`, headers: { authorization: `Bearer ${key}` }, ...(body ? { payload: body as object } : {}) });

  const writer = await keyOf(0, ['read', 'write']);
  const admin = await keyOf(0, ['read', 'write', 'admin']);
  t.equal((await as(0, writer, 'POST', '/notes', { id: 'n1', title: 'first' })).statusCode, 201, 'undeclared routes keep the method scope');

  const listed = await as(0, writer, 'GET', '/notes');
  t.equal(listed.statusCode, 403);
  t.equal(listed.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(listed.json().code, 'API_KEY_SCOPE_MISSING');
  t.match(listed.json().detail, /admin/);
  t.equal((await as(0, writer, 'DELETE', '/notes/n1')).json().code, 'API_KEY_SCOPE_MISSING');
  t.equal((await as(0, writer, 'GET', '/notes/n1')).statusCode, 200, 'the note is still there');

  t.equal((await as(0, admin, 'GET', '/notes')).statusCode, 200);
  t.equal((await as(0, admin, 'DELETE', '/notes/n1')).statusCode, 200);
  t.equal((await as(0, admin, 'GET', '/notes/n1')).statusCode, 404, 'the admin key deleted it');

  // The second tenant's admin key is its own: the same route, its own data, no reach into the first.
  const otherAdmin = await keyOf(1, ['read', 'write', 'admin']);
  t.same((await as(1, otherAdmin, 'GET', '/notes')).json().items, []);
  t.equal((await as(0, otherAdmin, 'GET', '/notes')).json().code, 'API_KEY_TENANT_MISMATCH');
});

t.test('the manifest may not open a write to read-only keys', async (t) => {
  const fixture = notesWith({ 'POST /notes': 'read', 'GET /hello': 'admin' });
  // The sandbox fixture fetches from a local http server; a published manifest names https URLs.
  const manifest = { ...fixture, permissions: fixture.permissions.map((p) => (p.kind === 'http' ? { ...p, urls: ['https://api.example.com/*'] } : p)) };
  t.ok(validateManifest({ ...manifest, routes: fixture.routes.map(({ scope: _scope, ...r }) => r) }).ok, 'valid without the scopes');
  const result = validateManifest(manifest);
  t.notOk(result.ok);
  const problems = 'problems' in result ? result.problems : [];
  const index = manifest.routes.findIndex((r) => r.method === 'POST' && r.path === '/notes');
  t.same(problems.filter((p) => p.field.startsWith('routes')), [
    { field: `routes[${index}].scope`, message: 'a POST route needs at least the "write" scope; "read" would let read-only keys change data' },
  ], 'a GET asking for admin is fine; a POST asking for read is not');
});
