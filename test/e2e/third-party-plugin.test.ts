import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import t from 'tap';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { runDogan, spawnDogan } from '../helpers/spawn-dogan.js';

/**
 * A plugin written outside the repository (test/fixtures/third-party-plugin, copied to a folder of its
 * own with @dogan/runtime installed beside it, as `npm i @dogan/runtime` would) adds a config
 * variable, a tenant table (entity and migration), a service and routes, and loads into the real
 * `dogan` CLI with `DOGAN_PLUGINS=all,<path>`.
 */

const repoRoot = resolve(import.meta.dirname, '../..');

function installPlugin(t: { teardown(fn: () => void): void }): string {
  const folder = mkdtempSync(join(tmpdir(), 'acme-dogan-loyalty-'));
  t.teardown(() => rmSync(folder, { recursive: true, force: true }));
  cpSync(join(repoRoot, 'test/fixtures/third-party-plugin'), folder, { recursive: true });
  mkdirSync(join(folder, 'node_modules/@dogan'), { recursive: true });
  // The runtime package as installed: one copy, the same module the platform runs.
  symlinkSync(join(repoRoot, 'runtime'), join(folder, 'node_modules/@dogan/runtime'), 'dir');
  return join(folder, 'index.mjs');
}

t.test('a third-party plugin loads with DOGAN_PLUGINS=all,<path>: config, table, service and routes', async (t) => {
  const plugin = installPlugin(t);
  const env = { DOGAN_PLUGINS: `all,${plugin}`, LOYALTY_POINTS_PER_SAR: '3', DOGAN_ADMIN_TOKEN: TEST_ADMIN_TOKEN };

  const listed = await runDogan(['plugins'], env);
  t.equal(listed.code, 0, listed.stderr);
  t.match(listed.stdout, /^acme-loyalty\s+1\.2\.0\s+needs tenants$/m, 'dogan plugins lists it, its dependency derived from the service it uses');
  const shown = await runDogan(['config'], env);
  t.match(shown.stdout, /^LOYALTY_POINTS_PER_SAR=3$/m, 'dogan config shows its variable');

  const bad = await runDogan(['start'], { ...env, LOYALTY_POINTS_PER_SAR: 'many', SANDBOX_MEMORY_MB: '1' });
  t.not(bad.code, 0, 'a bad value stops the start');
  t.match(bad.stderr, /LOYALTY_POINTS_PER_SAR must be a whole number, got "many"/);
  t.match(bad.stderr, /SANDBOX_MEMORY_MB must be between 8 and 4096/, 'named together with the other plugins\' bad variables');

  const dogan = await spawnDogan(['start'], { ...env, LOG_LEVEL: 'warn' });
  t.teardown(async () => {
    dogan.child.kill('SIGTERM');
    await dogan.exited;
  });
  const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(dogan.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as Record<string, unknown> };
  };
  const keyOf = async (subdomain: string, scopes: string[]) => {
    const created = await call('POST', '/api/admin/tenants', admin, { name: subdomain, subdomain });
    t.equal(created.status, 201, JSON.stringify(created.body));
    const key = await call('POST', `/api/v1/${subdomain}/api-keys`, admin, { name: 'loyalty', scopes });
    return { authorization: `Bearer ${String(key.body.key)}`, 'content-type': 'application/json' };
  };
  const acme = await keyOf('acme', ['read', 'write']);
  const other = await keyOf('other', ['read', 'write']);

  const first = await call('POST', '/api/v1/acme/loyalty/sara/purchases', acme, { amount: 1_050 });
  t.same([first.status, first.body], [200, { customer: 'sara', points: 30 }], '10 whole SAR at 3 points each, from its own config variable');
  const second = await call('POST', '/api/v1/acme/loyalty/sara/purchases', acme, { amount: 500 });
  t.same(second.body, { customer: 'sara', points: 45 }, 'stored in its own table in the tenant database');
  t.same((await call('GET', '/api/v1/acme/loyalty/sara', acme)).body, { customer: 'sara', points: 45 });

  const elsewhere = await call('GET', '/api/v1/other/loyalty/sara', other);
  t.equal(elsewhere.status, 404, 'the other tenant has no such account: its own database');
  const crossed = await call('GET', '/api/v1/acme/loyalty/sara', other);
  t.equal(crossed.status, 403, "the other tenant's key cannot read this tenant");
  t.equal(crossed.body.code, 'API_KEY_TENANT_MISMATCH');

  const invalid = await call('POST', '/api/v1/acme/loyalty/sara/purchases', acme, { amount: -1 });
  t.equal(invalid.status, 400, 'its JSON schema validates input like every route');
  t.match(invalid.type, /application\/problem\+json/);

  const docs = await call('GET', '/docs/json', {});
  const paths = docs.body.paths as Record<string, unknown>;
  t.ok(paths['/api/v1/{tenant}/loyalty/{customer}/purchases'], 'its routes are in /docs/json');
});
