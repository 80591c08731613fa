import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { RegistryClient } from '@dogan/marketplace-registry';
import { startTestRegistry, TEST_REGISTRY_ADMIN_TOKEN } from './helpers/registry-server.js';
import { call } from './helpers/releases.js';
import { runDoganModule } from './helpers/run-cli.js';

t.test('a new developer: init, build, keys, publish; a tenant finds and verifies the module', async (t) => {
  // Mounted under a prefix, as the platform mounts it under /registry.
  const reg = await startTestRegistry(t, { prefix: '/registry' });
  const created = await call(reg.url, 'POST', 'v1/admin/publishers', TEST_REGISTRY_ADMIN_TOKEN, { name: 'acme' });
  t.equal(created.status, 201);
  const work = mkdtempSync(join(tmpdir(), 'dogan-dev-'));
  const env = { DOGAN_HOME: join(work, 'home'), DOGAN_REGISTRY_URL: reg.url, DOGAN_REGISTRY_TOKEN: String(created.body.token) };
  const moduleDir = join(work, 'notes');

  const init = await runDoganModule(['init', 'acme.notes'], { cwd: work, env });
  t.equal(init.code, 0, init.stderr);
  t.match(init.stdout, /created notes\/src\/index\.ts[\s\S]*created notes\/test\/notes\.test\.ts[\s\S]*created notes\/README\.md/);

  const build = await runDoganModule(['build'], { cwd: moduleDir, env });
  t.equal(build.code, 0, build.stderr);
  t.match(build.stdout, /built dist\/module\.js/);

  const keys = await runDoganModule(['keys', '--register'], { cwd: moduleDir, env });
  t.equal(keys.code, 0, keys.stderr);
  t.match(keys.stdout, /registered SHA256:/);
  t.equal(statSync(join(env.DOGAN_HOME, 'keys', 'acme.key')).mode & 0o777, 0o600, 'the private key is 0600');

  const test = await runDoganModule(['test'], { cwd: moduleDir, env });
  t.equal(test.code, 0, test.stdout + test.stderr);
  t.match(test.stdout, /2 passed, 0 failed/, "the generated module's tests pass in the sandbox");

  const publish = await runDoganModule(['publish'], { cwd: moduleDir, env });
  t.equal(publish.code, 0, publish.stderr);
  t.match(publish.stdout, /building[\s\S]*packing[\s\S]*signing[\s\S]*uploading[\s\S]*published acme\.notes@0\.1\.0/);

  const again = await runDoganModule(['publish'], { cwd: moduleDir, env });
  t.equal(again.code, 1);
  t.match(again.stderr, /409 VERSION_EXISTS/);

  const whoami = await runDoganModule(['whoami'], { cwd: moduleDir, env });
  t.match(whoami.stdout, /^acme \(acme\)/);

  const client = new RegistryClient({ baseUrl: reg.url, cacheDir: join(work, 'cache') });
  for (const q of ['notes', 'ملاحظات', 'فريقك']) {
    const found = await client.search({ q });
    t.match(found, { total: 1, items: [{ id: 'acme.notes', version: '0.1.0', publisher: { name: 'acme', verified: false } }] }, `search "${q}"`);
  }
  t.equal((await client.search({ q: 'invoices' })).total, 0);

  const verified = await client.fetchVerified('acme.notes', '0.1.0');
  t.equal(verified.manifest.id, 'acme.notes');
  t.equal(verified.fromCache, false);
  t.same(verified.files.get('module.js'), readFileSync(join(moduleDir, 'dist', 'module.js')), 'the verified bundle is the one built');
  t.equal((await client.fetchVerified('acme.notes', '0.1.0')).fromCache, true, 'the second fetch is served from the verified cache');

  const deprecate = await runDoganModule(['deprecate', '0.1.0', '--message', 'use 0.2.0'], { cwd: moduleDir, env });
  t.equal(deprecate.code, 0, deprecate.stderr);
  const versions = await runDoganModule(['versions'], { cwd: moduleDir, env });
  t.match(versions.stdout, /0\.1\.0 .*\(latest, deprecated: use 0\.2\.0\)/);

  const docs = await fetch(new URL('docs/json', reg.url));
  const spec = (await docs.json()) as { paths: Record<string, unknown> };
  t.ok(spec.paths['/registry/v1/packages/{id}/versions/{version}/tarball'], 'OpenAPI lists the prefixed routes');
});
