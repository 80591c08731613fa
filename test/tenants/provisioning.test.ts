import t from 'tap';
import { tenantDatabaseName } from '../../tenants/src/database/database-servers.js';
import { forEachEngine } from '../helpers/engines.js';
import { createFaultPlugin } from './fixtures/fault-plugin.js';
import { createNotesPlugin } from './fixtures/notes-plugin.js';
import { ADMIN, PROBLEM, createTenant, inventory, startTenantKernel } from './fixtures/tenant-kernel.js';

void forEachEngine(t, 'provisioning creates a separate database per tenant', async (t, engine) => {
  const { kernel } = await startTenantKernel(t, engine);
  const acme = await createTenant(t, kernel, { name: 'Acme Trading', subdomain: 'acme' });
  const beta = await createTenant(t, kernel, { name: 'شركة بيتا', subdomain: 'beta' });
  t.equal(acme.status, 'trial');

  const records = await engine.controlPlaneRows('SELECT id, database_name FROM tenants ORDER BY subdomain');
  const names = records.map((r) => String(r.database_name));
  t.equal(new Set(names).size, 2, 'each record names its own database');
  t.same((await inventory(engine)).databases, [...names].sort(), 'exactly those databases exist');

  // Both databases were migrated on their own: the tracking table of each lists the notes migration.
  for (const name of names) {
    const applied = await engine.tenantRows(name, 'SELECT id FROM dogan_migrations');
    t.same(applied.map((r) => r.id), ['notes:0001-create-notes'], `${name} is migrated`);
  }

  const write = await kernel.app.inject({ method: 'POST', url: '/api/v1/acme/notes', headers: ADMIN, payload: { id: 'n1', body: 'acme only' } });
  t.equal(write.statusCode, 201);
  const acmeDb = String(records.find((r) => r.id === acme.id)!.database_name);
  const betaDb = String(records.find((r) => r.id === beta.id)!.database_name);
  t.same((await engine.tenantRows(acmeDb, 'SELECT body FROM notes')).map((r) => r.body), ['acme only']);
  t.same(await engine.tenantRows(betaDb, 'SELECT body FROM notes'), [], "the second tenant's database has none of the first's rows");
});

void forEachEngine(t, 'a failed provisioning step leaves nothing behind, names the step, and a retry succeeds', async (t, engine) => {
  const faults = createFaultPlugin();
  const { kernel, api } = await startTenantKernel(t, engine, { plugins: [createNotesPlugin(), faults.plugin] });
  await createTenant(t, kernel, { name: 'Bystander', subdomain: 'bystander' });
  await kernel.app.inject({ method: 'POST', url: '/api/v1/bystander/notes', headers: ADMIN, payload: { id: 'keep', body: 'untouched' } });
  const before = await inventory(engine);
  t.equal(before.tenants, 1);

  const realCreate = api.databases.createDatabase.bind(api.databases);
  const cases: Array<{ step: string; arm(): void; disarm(): void; cause: RegExp }> = [
    {
      step: 'create-database',
      // The database is really created, then the step fails: its compensation must remove it.
      arm: () => {
        api.databases.createDatabase = async (location) => {
          await realCreate(location);
          faults.state.migratedIn.push(location.databaseName);
          throw new Error('injected failure after creating the database');
        };
      },
      disarm: () => {
        api.databases.createDatabase = realCreate;
      },
      cause: /injected failure after creating the database/,
    },
    {
      step: 'run-migrations',
      arm: () => void (faults.state.failMigration = true),
      disarm: () => void (faults.state.failMigration = false),
      cause: /injected migration failure/,
    },
    {
      step: 'plugin-hooks',
      arm: () => void (faults.state.failHook = true),
      disarm: () => void (faults.state.failHook = false),
      cause: /plugin "faults": injected hook failure/,
    },
  ];

  for (const c of cases) {
    await t.test(`failing at ${c.step}`, async (t) => {
      faults.state.migratedIn.length = 0;
      faults.state.deleted.length = 0;
      c.arm();
      const res = await kernel.app.inject({ method: 'POST', url: '/api/admin/tenants', headers: ADMIN, payload: { name: 'Gamma', subdomain: 'gamma' } });
      c.disarm();
      t.equal(res.statusCode, 500);
      t.equal(res.headers['content-type'], PROBLEM);
      const problem = res.json();
      t.equal(problem.code, 'TENANT_PROVISIONING_FAILED');
      t.equal(problem.step, c.step, 'the problem names the step');
      t.match(problem.detail, `step "${c.step}"`);
      t.match(problem.detail, c.cause);
      t.notOk(problem.leftBehind, 'every compensation succeeded');

      t.same(await inventory(engine), before, 'no record and no database (or file) left');
      t.ok(faults.state.migratedIn.length > 0, 'the failure happened after the database existed');
      const list = await kernel.app.inject({ url: '/api/admin/tenants', headers: ADMIN });
      t.same(list.json().items.map((x: { subdomain: string }) => x.subdomain), ['bystander']);
      const gone = await kernel.app.inject({ url: '/api/v1/gamma/info', headers: ADMIN });
      t.equal(gone.statusCode, 404, 'the half-made tenant cannot be reached');
      if (c.step === 'plugin-hooks') {
        t.same(faults.state.deleted.map((d) => d.subdomain), ['gamma'], "the hook's plugin was told to undo what it did");
      }

      const retry = await kernel.app.inject({ method: 'POST', url: '/api/admin/tenants', headers: ADMIN, payload: { name: 'Gamma', subdomain: 'gamma' } });
      t.equal(retry.statusCode, 201, 'a retry with the same subdomain succeeds');
      const after = await inventory(engine);
      t.equal(after.tenants, 2);
      t.equal(after.databases.length, before.databases.length + 1);
      const notes = await kernel.app.inject({ url: '/api/v1/gamma/notes', headers: ADMIN });
      t.same(notes.json(), { items: [] }, "the new tenant sees nothing of the bystander's");

      const purge = await kernel.app.inject({ method: 'DELETE', url: `/api/admin/tenants/${retry.json().id}?purge=true`, headers: ADMIN });
      t.equal(purge.statusCode, 204);
      t.same(await inventory(engine), before, 'purging the retried tenant restores the starting point');
    });
  }

  const kept = await kernel.app.inject({ url: '/api/v1/bystander/notes/keep', headers: ADMIN });
  t.match(kept.json(), { id: 'keep', body: 'untouched' }, 'the existing tenant was never disturbed');
});

void forEachEngine(t, 'two creations racing for one subdomain: one wins, the other gets 409 and leaves nothing', async (t, engine) => {
  const { kernel } = await startTenantKernel(t, engine);
  const results = await Promise.all(
    ['First', 'Second', 'Third'].map((name) =>
      kernel.app.inject({ method: 'POST', url: '/api/admin/tenants', headers: ADMIN, payload: { name, subdomain: 'contested' } }),
    ),
  );
  const codes = results.map((r) => r.statusCode).sort();
  t.same(codes, [201, 409, 409]);
  for (const r of results.filter((r) => r.statusCode === 409)) t.equal(r.json().code, 'SUBDOMAIN_TAKEN');
  const after = await inventory(engine);
  t.equal(after.tenants, 1);
  t.equal(after.databases.length, 1);
});

void forEachEngine(t, 'provisioning over an existing database of the same id refuses and leaves that database alone', async (t, engine) => {
  const { kernel, api } = await startTenantKernel(t, engine);
  await createTenant(t, kernel, { name: 'Bystander', subdomain: 'bystander' });
  const id = '5d1e4a7c-0b2f-4e6a-9c3d-8f7e6d5c4b3a';
  const location = {
    id,
    databaseServer: engine.name === 'sqlite' ? 'sqlite' : 'default',
    databaseName: engine.name === 'sqlite' ? `${id}.db` : tenantDatabaseName(id),
  };
  // What an earlier tenant with this id left: a database holding someone's rows.
  await api.databases.createDatabase(location);
  await engine.tenantRows(location.databaseName, 'CREATE TABLE left_behind (x integer)');
  await engine.tenantRows(location.databaseName, 'INSERT INTO left_behind (x) VALUES (42)');
  const before = await inventory(engine);

  await t.rejects(api.tenants.create({ name: 'Imported', subdomain: 'imported', id }, 'test'), { code: 'TENANT_DATABASE_EXISTS', statusCode: 409 });
  t.same(await inventory(engine), before, 'no record; the database is still there');
  t.same(await engine.tenantRows(location.databaseName, 'SELECT x FROM left_behind'), [{ x: 42 }], 'with its rows');

  const fresh = await api.tenants.create({ name: 'Imported', subdomain: 'imported' }, 'test');
  t.equal(fresh.status, 'trial', 'the subdomain was not kept by the refusal');
});

void forEachEngine(t, 'provisioning a second tenant with an existing id is refused with TENANT_EXISTS', async (t, engine) => {
  const { kernel, api } = await startTenantKernel(t, engine);
  const first = await createTenant(t, kernel, { name: 'First', subdomain: 'first' });
  const before = await inventory(engine);
  await t.rejects(api.tenants.create({ name: 'Impostor', subdomain: 'impostor', id: first.id }, 'test'), { code: 'TENANT_EXISTS', statusCode: 409 });
  t.same(await inventory(engine), before);
  t.equal((await api.tenants.get(first.id)).subdomain, 'first', 'the existing tenant is untouched');
  t.equal((await kernel.app.inject({ url: '/api/v1/first/notes', headers: ADMIN })).statusCode, 200);
});
