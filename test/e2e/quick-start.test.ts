import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { call, demoKeyOf, startPlatform } from '../faults/helpers.js';
import { freePort } from '../helpers/free-port.js';

/**
 * The README's quick start, as a new user meets it: `npm start` (on SQLite, and on PostgreSQL with
 * DATABASE_URL), the printed curl lines run by a shell, `/docs/json` a valid OpenAPI document with
 * every plugin loaded, the printed admin token working, and Ctrl-C / SIGTERM draining to exit 0.
 */

const run = promisify(execFile);

await forEachEngine(t, 'the quick start works as printed', async (t, engine) => {
  const port = await freePort();
  const platform = await startPlatform({ ...engine.env, PORT: String(port), DOGAN_ADMIN_TOKEN: '' });
  t.teardown(() => platform.signalGroup('SIGKILL'));
  const key = await demoKeyOf(platform);
  const base = platform.url;

  await t.test('the platform runs compiled JavaScript and starts a sandbox host only when a module is called', async (t) => {
    // Every process of the platform's group, by its command line (npm is the launcher the test started).
    const group = async () => {
      const { stdout } = await run('ps', ['-o', 'pid=,args=', '-g', String(platform.child.pid)]);
      return stdout.split('\n').map((l) => l.trim()).filter((l) => l && !/^\d+ (ps|sh -c|npm)\b/.test(l));
    };
    const before = await group();
    t.ok(before.some((l) => l.includes('plugins/distribution/dist/cli/dogan.js')), `the CLI runs from dist/: ${before.join(' | ')}`);
    t.notOk(before.some((l) => /tsx|\.ts\b/.test(l)), 'no TypeScript loader in any process');
    t.notOk(before.some((l) => l.includes('esbuild')), 'no esbuild service');
    // The demo tenant's notes module was installed at start, and it has no install hook to run.
    t.notOk(before.some((l) => l.includes('sandbox/host/main')), 'no sandbox host before a module is called');
    t.equal((await call(base, 'GET', '/api/v1/demo/apps/dogan.notes/notes', { key })).status, 200);
    const after = await group();
    const hosts = after.filter((l) => l.includes('runtime/dist/sandbox/host/main.js'));
    t.equal(hosts.length, 1, `one compiled sandbox host for the one tenant called: ${after.join(' | ')}`);
    t.notOk(after.some((l) => /tsx|\.ts\b/.test(l)), 'still no TypeScript loader');
  });

  await t.test('/docs/json is a valid OpenAPI document with every plugin loaded', async (t) => {
    const docs = await call(base, 'GET', '/docs/json');
    t.equal(docs.status, 200);
    const result = await new Validator().validate(docs.body as Parameters<Validator["validate"]>[0]);
    t.ok(result.valid, `valid OpenAPI ${JSON.stringify(result.errors ?? []).slice(0, 2000)}`);
    const paths = Object.keys((docs.body as { paths: object }).paths);
    for (const prefix of ['/api/admin/tenants', '/api/v1/{tenant}/modules', '/api/v1/{tenant}/billing/invoices', '/api/v1/{tenant}/calendar/convert', '/registry/v1/packages']) {
      t.ok(paths.includes(prefix), `documents ${prefix}`);
    }
    t.equal((await call(base, 'GET', '/docs')).status, 200, 'the docs page answers');
  });

  await t.test('every printed curl line works', async (t) => {
    const lines = platform.output().split('\n').map((l) => l.trim()).filter((l) => l.startsWith('curl '));
    t.ok(lines.length >= 3, `${lines.length} curl lines printed`);
    for (const line of lines) {
      const { stdout } = await run('sh', ['-c', `${line.replace(/^curl /, 'curl -sS --fail-with-body ')}`], { env: { ...process.env, DOGAN_DEMO_KEY: key } });
      t.doesNotThrow(() => JSON.parse(stdout), `"${line.slice(0, 90)}" answers JSON`);
    }
    const notes = await call(base, 'GET', '/api/v1/demo/apps/dogan.notes/notes', { key });
    t.ok(((notes.body as { notes: Array<{ text: string }> }).notes ?? []).some((n) => n.text === 'مرحبا'), 'the printed POST stored its note');
  });

  await t.test('the printed admin token manages tenants', async (t) => {
    const token = /Platform admin token[^\n]*\n\s*(\S+)/.exec(platform.output())?.[1];
    t.ok(token, 'an admin token is printed on the first start');
    const tenants = await call(base, 'GET', '/api/admin/tenants', { key: token });
    t.equal(tenants.status, 200);
    t.ok(((tenants.body as { items: Array<{ subdomain: string }> }).items ?? []).some((x) => x.subdomain === 'demo'));
  });

  await t.test('SIGTERM to the process group drains and exits 0', async (t) => {
    platform.signalGroup('SIGTERM');
    t.same(await platform.exited, { code: 0, signal: null });
  });
});
