import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import type { Kernel } from '@dogan/runtime';
import { exportTenant, importTenant, readArchive, writeArchive } from '../../tenants/src/tenant-archive.js';
import { forEachEngine, withEngine } from '../helpers/engines.js';
import { runDogan } from '../helpers/spawn-dogan.js';
import { ADMIN, cliEnv, createTenant, inventory, startTenantKernel } from './fixtures/tenant-kernel.js';

const NOTES_PLUGIN = './test/tenants/fixtures/notes-plugin.ts';

/** Rows that exercise every column type and the awkward values: Arabic, quotes, NULL, JSON, booleans, instants. */
const ROWS = [
  { id: 'a1', body: 'فاتورة رقم ١٢٣ — مدفوعة', pinned: true, position: 1, meta: { tags: ['ضريبة', 'vat'], total: 115.5 }, createdAt: '2024-03-10T21:30:00.000Z' },
  { id: 'a2', body: 'He said "it\'s fine"; DROP TABLE notes; --', pinned: false, position: null, meta: null, createdAt: '1999-12-31T23:59:59.999Z' },
  { id: 'a3', body: '', pinned: false, position: -7, meta: [1, 'two', { three: 3 }], createdAt: '2030-01-01T00:00:00.000Z' },
  { id: 'a4', body: 'line one\nline two\ttabbed', pinned: true, position: 2_000_000_000, meta: { nested: { deep: true } }, createdAt: '2025-06-15T12:00:00.123Z' },
];

async function seed(t: Tap, kernel: Kernel, subdomain: string, rows: typeof ROWS): Promise<void> {
  for (const row of rows) {
    const res = await kernel.app.inject({ method: 'POST', url: `/api/v1/${subdomain}/notes`, headers: ADMIN, payload: row });
    t.equal(res.statusCode, 201, `seeded ${subdomain}/${row.id}`);
  }
}
type Tap = Parameters<Parameters<typeof forEachEngine>[2]>[0];

async function notesOf(kernel: Kernel, subdomain: string): Promise<unknown> {
  return (await kernel.app.inject({ url: `/api/v1/${subdomain}/notes`, headers: ADMIN })).json();
}

async function recordOf(kernel: Kernel, subdomain: string): Promise<Record<string, unknown>> {
  // updatedAt records the import itself; the server is wherever the importing platform placed it.
  const { updatedAt: _u, databaseServer: _d, ...rest } = (await kernel.app.inject({ url: `/api/admin/tenants/${subdomain}`, headers: ADMIN })).json();
  return rest;
}

void withEngine(t, 'export on SQLite, import on PostgreSQL: identical data', 'sqlite', async (t, sqlite) => {
  const source = await startTenantKernel(t, sqlite);
  await createTenant(t, source.kernel, { name: 'شركة المهاجر', subdomain: 'moving', plan: 'professional', locale: 'en', timezone: 'Europe/London', country: 'GB' });
  await createTenant(t, source.kernel, { name: 'Staying', subdomain: 'staying' });
  await seed(t, source.kernel, 'moving', ROWS);
  await seed(t, source.kernel, 'staying', [{ ...ROWS[0]!, body: 'must not travel' }]);
  await source.kernel.app.inject({ method: 'POST', url: '/api/admin/tenants/moving/suspend', headers: ADMIN });
  const file = join(sqlite.dataDir, 'moving.dogan.gz');
  writeArchive(await exportTenant(source.api.tenants, 'moving'), file);
  await source.kernel.app.inject({ method: 'POST', url: '/api/admin/tenants/moving/activate', headers: ADMIN });
  const expectedNotes = await notesOf(source.kernel, 'moving');
  await source.kernel.app.inject({ method: 'POST', url: '/api/admin/tenants/moving/suspend', headers: ADMIN });
  const expectedRecord = await recordOf(source.kernel, 'moving');
  t.equal((expectedNotes as { items: unknown[] }).items.length, ROWS.length);

  await withEngine(t, 'imported on PostgreSQL', 'postgresql', async (t, postgres) => {
    const target = await startTenantKernel(t, postgres);
    const bystander = await createTenant(t, target.kernel, { name: 'Already Here', subdomain: 'already-here' });
    await seed(t, target.kernel, 'already-here', [ROWS[1]!]);

    const imported = await importTenant(target.api.tenants, readArchive(file), 'test');
    t.equal(imported.databaseServer, 'default', 'placed on the PostgreSQL server');
    t.same(await recordOf(target.kernel, 'moving'), expectedRecord, 'the same record: id, name, status, plan, trial end, locale...');
    await target.kernel.app.inject({ method: 'POST', url: '/api/admin/tenants/moving/activate', headers: ADMIN });
    t.same(await notesOf(target.kernel, 'moving'), expectedNotes, 'the same rows, value for value');

    const db = await postgres.tenantRows(imported.databaseName, 'SELECT pg_typeof(pinned)::text AS pinned, pg_typeof(meta)::text AS meta, pg_typeof(created_at)::text AS created FROM notes LIMIT 1');
    t.same(db, [{ pinned: 'boolean', meta: 'jsonb', created: 'timestamp with time zone' }], "stored in PostgreSQL's own types");

    t.equal((await target.kernel.app.inject({ url: '/api/admin/tenants/staying', headers: ADMIN })).statusCode, 404, 'only the exported tenant travelled');
    t.same((await notesOf(target.kernel, 'already-here') as { items: Array<{ id: string }> }).items.map((n) => n.id), ['a2'], "the target's tenant sees nothing of the import");
    t.same((await inventory(postgres)).databases.length, 2);
    t.ok(bystander.id !== imported.id);
  });
});

void forEachEngine(t, 'dogan tenant export / delete --purge / import round trip', async (t, engine) => {
  const first = await startTenantKernel(t, engine);
  await createTenant(t, first.kernel, { name: 'Round Trip', subdomain: 'round-trip' });
  await createTenant(t, first.kernel, { name: 'Neighbour', subdomain: 'neighbour' });
  await seed(t, first.kernel, 'round-trip', ROWS);
  const expectedNotes = await notesOf(first.kernel, 'round-trip');
  const expectedRecord = await recordOf(first.kernel, 'round-trip');
  await first.close();

  const env = cliEnv(engine, [NOTES_PLUGIN]);
  const file = join(engine.dataDir, 'round-trip.dogan.gz');
  const exported = await runDogan(['tenant', 'export', 'round-trip', '--out', file], env);
  t.equal(exported.code, 0, exported.stderr);
  t.match(exported.stdout, /exported round-trip: 1 table\(s\), 4 row\(s\)/);
  const purged = await runDogan(['tenant', 'delete', 'round-trip', '--purge'], env);
  t.equal(purged.code, 0, purged.stderr);
  t.equal((await inventory(engine)).tenants, 1);
  const imported = await runDogan(['tenant', 'import', file], env);
  t.equal(imported.code, 0, imported.stderr);
  t.match(imported.stdout, /round-trip/);

  const second = await startTenantKernel(t, engine);
  t.same(await notesOf(second.kernel, 'round-trip'), expectedNotes);
  t.same(await recordOf(second.kernel, 'round-trip'), expectedRecord);
  t.same(await notesOf(second.kernel, 'neighbour'), { items: [] }, 'the neighbour still has nothing');

  await t.test('importing over an existing tenant is refused and changes nothing', async (t) => {
    const before = await inventory(engine);
    await t.rejects(importTenant(second.api.tenants, readArchive(file), 'test'), { code: 'TENANT_EXISTS' }, 'the same tenant again');
    const renamed = readArchive(file);
    renamed.tenant = { ...renamed.tenant, id: '99999999-8888-4777-8666-555555555555' };
    await t.rejects(importTenant(second.api.tenants, renamed, 'test'), { code: 'SUBDOMAIN_TAKEN' }, 'another tenant with a subdomain in use');
    t.same(await inventory(engine), before);
    t.same(await notesOf(second.kernel, 'round-trip'), expectedNotes);
  });

  await t.test('a bad archive is refused and leaves nothing behind', async (t) => {
    const before = await inventory(engine);
    const garbage = join(engine.dataDir, 'garbage.gz');
    writeFileSync(garbage, 'not gzip at all');
    t.throws(() => readArchive(garbage), { code: 'ARCHIVE_INVALID' });
    const alien = readArchive(file);
    alien.tenant = { ...alien.tenant, id: '11111111-2222-4333-8444-555555555555', subdomain: 'alien' };
    alien.tables.not_here = { columns: ['x'], rows: [[1]] };
    await t.rejects(importTenant(second.api.tenants, alien, 'test'), { code: 'ARCHIVE_INVALID', message: /table "not_here" does not exist here/ });
    t.same(await inventory(engine), before, 'the half-imported tenant was removed');
    const wrongFormat = join(engine.dataDir, 'wrong.gz');
    writeFileSync(wrongFormat, gzipSync(JSON.stringify({ format: 'something-else' })));
    t.throws(() => readArchive(wrongFormat), { code: 'ARCHIVE_INVALID' });
  });
});
