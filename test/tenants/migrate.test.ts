import t from 'tap';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { runDogan } from '../helpers/spawn-dogan.js';
import { createNoteLabels, createNoteTags, createNotes, createNotesPlugin } from './fixtures/notes-plugin.js';
import { ADMIN, cliEnv, createTenant, startTenantKernel } from './fixtures/tenant-kernel.js';

const V2 = [createNotes, createNoteTags, createNoteLabels];
const NEW = ['notes:0002-create-note-tags', 'notes:0003-create-note-labels'];

async function tableExists(engine: TestEngine, database: string, table: string): Promise<boolean> {
  const sql =
    engine.name === 'sqlite'
      ? `SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '${table}'`
      : `SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = '${table}'`;
  return Number((await engine.tenantRows(database, sql))[0]!.n) > 0;
}

async function applied(engine: TestEngine, database: string): Promise<string[]> {
  return (await engine.tenantRows(database, 'SELECT id FROM dogan_migrations ORDER BY id')).map((r) => String(r.id));
}

/**
 * Three tenants on the notes plugin's first version, one suspended, each with a note; then one of them
 * is made to fail the upgrade: a table in its way that the last new migration wants to create.
 */
async function threeTenantsOneBroken(t: Tap, engine: TestEngine) {
  const v1 = await startTenantKernel(t, engine);
  const tenants: Record<string, { id: string; db: string }> = {};
  for (const subdomain of ['one', 'two', 'three']) {
    const tenant = await createTenant(t, v1.kernel, { name: `Tenant ${subdomain}`, subdomain });
    await v1.kernel.app.inject({ method: 'POST', url: `/api/v1/${subdomain}/notes`, headers: ADMIN, payload: { id: 'n1', body: `${subdomain}'s note` } });
    tenants[subdomain] = { id: tenant.id, db: (await v1.api.tenants.get(tenant.id)).databaseName };
  }
  await v1.kernel.app.inject({ method: 'POST', url: '/api/admin/tenants/three/suspend', headers: ADMIN });
  await v1.close();
  await engine.tenantRows(tenants.two!.db, 'CREATE TABLE note_labels (in_the_way integer)');
  return tenants;
}
type Tap = Parameters<Parameters<typeof forEachEngine>[2]>[0];

void forEachEngine(t, 'migrateAll: a failing tenant is reported, the others migrate, a rerun resumes', async (t, engine) => {
  const tenants = await threeTenantsOneBroken(t, engine);
  const { kernel, api } = await startTenantKernel(t, engine, { plugins: [createNotesPlugin(V2)] });

  const progress: Array<[number, number, string, boolean]> = [];
  const report = await api.tenants.migrateAll({ concurrency: 2, onProgress: (done, total, tenant, error) => progress.push([done, total, tenant.subdomain, !!error]) });
  t.equal(report.total, 3);
  t.same(report.failed.map((f) => f.subdomain), ['two']);
  t.match(report.failed[0]!.error, /^notes:0003-create-note-labels: /, 'the failure names the migration');
  t.same(
    report.migrated.map((m) => [m.subdomain, m.applied]).sort(),
    [['one', NEW], ['three', NEW]],
    'the other tenants, suspended ones included, got both new migrations',
  );
  t.same(progress.map((p) => p[0]), [1, 2, 3]);
  t.ok(progress.every((p) => p[1] === 3));
  t.same(progress.filter((p) => p[3]).map((p) => p[2]), ['two'], 'progress reports the failure too');

  // All or nothing per tenant: the broken tenant did not keep the migration that succeeded before the failure.
  t.same(await applied(engine, tenants.two!.db), ['notes:0001-create-notes']);
  t.notOk(await tableExists(engine, tenants.two!.db, 'note_tags'), 'note_tags rolled back in the failed tenant');
  t.ok(await tableExists(engine, tenants.one!.db, 'note_tags'));
  t.same(await applied(engine, tenants.one!.db), ['notes:0001-create-notes', ...NEW]);

  const stillServing = await kernel.app.inject({ url: '/api/v1/two/notes', headers: ADMIN });
  t.same(stillServing.json().items.map((n: { body: string }) => n.body), ["two's note"], 'the failed tenant keeps working on its old schema');

  await engine.tenantRows(tenants.two!.db, 'DROP TABLE note_labels');
  const rerun = await api.tenants.migrateAll({ concurrency: 2 });
  t.same(rerun.failed, []);
  t.same(rerun.migrated.map((m) => [m.subdomain, m.applied]).sort(), [['one', []], ['three', []], ['two', NEW]], 'the rerun applies only what was missing');
  t.ok(await tableExists(engine, tenants.two!.db, 'note_labels'));

  const third = await api.tenants.migrateAll({ concurrency: 1 });
  t.ok(third.migrated.every((m) => m.applied.length === 0) && third.failed.length === 0, 'a third run has nothing to do');

  for (const subdomain of ['one', 'two']) {
    const res = await kernel.app.inject({ url: `/api/v1/${subdomain}/notes`, headers: ADMIN });
    t.same(res.json().items.map((n: { body: string }) => n.body), [`${subdomain}'s note`], `${subdomain} kept its own data and only it`);
  }
});

void forEachEngine(t, 'dogan migrate (the CLI process): non-zero exit naming the failed tenant, then a rerun resumes', async (t, engine) => {
  const tenants = await threeTenantsOneBroken(t, engine);
  const env = cliEnv(engine, ['./test/tenants/fixtures/notes-plugin-v2.ts']);

  const failed = await runDogan(['migrate', '--concurrency', '2'], env);
  t.equal(failed.code, 1, 'exit code 1 when a tenant failed');
  t.match(failed.stdout, /^3 tenant\(s\): 2 up to date \(4 migration\(s\) applied\), 1 failed$/m);
  t.match(failed.stdout, new RegExp(`^FAILED two \\(${tenants.two!.id}\\): notes:0003-create-note-labels: `, 'm'));
  t.notMatch(failed.stdout, /FAILED (one|three)/);
  t.match(failed.stdout, /run dogan migrate again/);
  t.match(failed.stderr, /migrating tenants: 3\/3/, 'progress on stderr');
  t.same(await applied(engine, tenants.two!.db), ['notes:0001-create-notes']);

  await engine.tenantRows(tenants.two!.db, 'DROP TABLE note_labels');
  const resumed = await runDogan(['migrate'], env);
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stdout, /^3 tenant\(s\): 3 up to date \(2 migration\(s\) applied\), 0 failed$/m, 'only the failed tenant had work left');
  t.same(await applied(engine, tenants.two!.db), ['notes:0001-create-notes', ...NEW]);

  const idle = await runDogan(['migrate'], env);
  t.equal(idle.code, 0);
  t.match(idle.stdout, /\(0 migration\(s\) applied\), 0 failed/);
});
