import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { firstPartyPlugins } from '@dogan/distribution';
import { resolveConfiguredPlugins, type ControlPlaneMigration } from '@dogan/runtime';
import { TenantErrors } from '../../tenants/src/errors.js';
import type { Logger } from 'pino';
import t, { type Test } from 'tap';
import { connectControlPlane, openControlPlane, ownControlPlaneMigrations } from '../../tenants/src/database/control-plane.js';
import { migrateControlPlane, THIS_NODE, type PluginControlPlaneMigration } from '../../tenants/src/database/control-plane-migrations.js';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';

/**
 * The control plane's schema comes from the plugins' versioned migrations: what they create is what
 * the entities map (no pending `updateSchema` diff), a node finding them applied does nothing, a
 * failing one leaves nothing of itself, and a control plane made by the old `updateSchema` start-up
 * is adopted as the baseline instead of being created again.
 */

/** Every first-party plugin's control-plane entities and migrations, as the tenants plugin gets them. */
async function firstParty(): Promise<{ entities: unknown[]; migrations: PluginControlPlaneMigration[] }> {
  const plugins = await resolveConfiguredPlugins({ DOGAN_PLUGINS: 'all' }, undefined, firstPartyPlugins);
  const byName = (a: ControlPlaneMigration, b: ControlPlaneMigration) => a.name.localeCompare(b.name);
  return {
    entities: plugins.flatMap((p) => [...(p.controlPlaneEntities ?? [])]),
    migrations: plugins.flatMap((p) => [...(p.controlPlaneMigrations ?? [])].sort(byName).map((migration) => ({ plugin: p.name, migration }))),
  };
}

function databaseOf(engine: TestEngine) {
  return { DATABASE_URL: engine.env.DATABASE_URL || undefined, PLATFORM_DB_PATH: join(engine.dataDir, 'platform.db') };
}

const dialectOf = (engine: TestEngine) => (engine.name === 'postgresql' ? 'postgresql' : 'sqlite');

/** A logger that keeps what it is told, for the assertions. */
function recordingLog(): { log: Logger; lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> } {
  const lines: Array<{ level: string; msg: string; fields: Record<string, unknown> }> = [];
  const at = (level: string) => (fields: unknown, msg?: string) =>
    typeof fields === 'string' ? lines.push({ level, msg: fields, fields: {} }) : lines.push({ level, msg: msg ?? '', fields: fields as Record<string, unknown> });
  return { log: { info: at('info'), warn: at('warn'), debug: at('debug') } as unknown as Logger, lines };
}

async function opened(t: Test, orm: MikroORM): Promise<MikroORM> {
  t.teardown(() => orm.close(true));
  return orm;
}

async function pendingDiff(orm: MikroORM): Promise<string> {
  return (await orm.schema.getUpdateSchemaSQL({ safe: true, wrap: false })).trim();
}

async function tracked(engine: TestEngine): Promise<Array<Record<string, unknown>>> {
  return engine.controlPlaneRows('SELECT plugin, name, applied_by, recorded_as FROM dogan_control_plane_migrations ORDER BY plugin, name');
}

const FIRST_PARTY_IDS = ['agents:0001-agent-task-due', 'billing:0001-initial-tables', 'email:0001-email-send-due', 'email:inbound-0001-imap-due', 'erpnext:0001-erpnext-sync-due', 'events:0001-event-tables', 'ksa:0001-initial-tables', 'marketplace:0001-initial-tables', 'tenants:0001-initial-tables', 'tenants:0002-leases-and-scheduled-jobs', 'tenants:0003-audit-trail', 'webhooks:0001-webhook-due-tenants', 'workflows:0001-workflow-due'];
/** Migrations after the first ones, which a control plane from before migrations never had: they run on it. */
const LATER_IDS = ['tenants:0002-leases-and-scheduled-jobs', 'tenants:0003-audit-trail', 'events:0001-event-tables', 'webhooks:0001-webhook-due-tenants', 'agents:0001-agent-task-due', 'erpnext:0001-erpnext-sync-due', 'email:0001-email-send-due', 'email:inbound-0001-imap-due', 'workflows:0001-workflow-due'];
const idsOf = (rows: Array<Record<string, unknown>>) => rows.map((r) => `${String(r.plugin)}:${String(r.name)}`).sort();

void forEachEngine(t, 'on an empty control plane the migrations leave no pending schema diff, and run once', async (t, engine) => {
  const { entities, migrations } = await firstParty();
  const { log, lines } = recordingLog();
  const orm = await opened(t, await openControlPlane(databaseOf(engine), { entities, migrations, log }));

  t.equal(await pendingDiff(orm), '', 'updateSchema would change nothing: the migrations made what the entities map');
  const rows = await tracked(engine);
  t.same(idsOf(rows), FIRST_PARTY_IDS, 'every plugin with control-plane tables has its migration recorded once');
  t.ok(rows.every((r) => r.recorded_as === 'applied' && r.applied_by === THIS_NODE), 'recorded as applied, by this node');
  t.same(
    lines.filter((l) => l.msg === 'control-plane migration applied').map((l) => l.fields.migration),
    [...ownControlPlaneMigrations, ...migrations].map((m) => `${m.plugin}:${m.migration.name}`),
    'each migration is logged as applied, the tenants plugin\'s first, then in load order',
  );

  // A node starting later finds everything applied and does nothing.
  const again = recordingLog();
  t.same(await migrateControlPlane(orm, dialectOf(engine), migrations, { log: again.log, node: 'another-node/1' }), { applied: [], baseline: [] });
  t.same(again.lines, [], 'it logs nothing either');
  t.same(await tracked(engine), rows, 'and records nothing');
});

void forEachEngine(t, 'a control plane made by the old updateSchema start-up is recorded as the baseline', async (t, engine) => {
  const { entities, migrations } = await firstParty();
  // The old path: the schema from the entities, at start-up, and a tenant row in it.
  const old = await connectControlPlane(databaseOf(engine), entities);
  await old.schema.updateSchema({ safe: true });
  await old.em.getConnection().execute(
    "INSERT INTO tenants (id, name, subdomain, status, plan, database_server, database_name, created_at, updated_at) VALUES ('00000000-0000-4000-8000-000000000001', 'Acme', 'acme', 'active', 'basic', 'default', 'acme_db', ?, ?)",
    [new Date().toISOString(), new Date().toISOString()],
  );
  await old.close(true);

  const { log, lines } = recordingLog();
  const orm = await opened(t, await openControlPlane(databaseOf(engine), { entities, migrations, log }));
  const rows = await tracked(engine);
  t.same(idsOf(rows), FIRST_PARTY_IDS);
  t.ok(rows.every((r) => r.recorded_as === (LATER_IDS.includes(`${String(r.plugin)}:${String(r.name)}`) ? 'applied' : 'baseline')), 'every initial migration is recorded as baseline, none re-run');
  t.same(lines.filter((l) => l.msg === 'control-plane migration applied').map((l) => l.fields.migration), LATER_IDS, 'only the later migrations were applied');
  t.equal(lines.filter((l) => l.msg.startsWith('control-plane migration recorded as baseline')).length, FIRST_PARTY_IDS.length - LATER_IDS.length);
  t.same(lines.filter((l) => l.level === 'warn'), [], 'the adopted tables match the entities: no drift reported');
  t.equal(await pendingDiff(orm), '');
  t.same(await engine.controlPlaneRows('SELECT subdomain FROM tenants'), [{ subdomain: 'acme' }], 'the data is untouched');
});

void forEachEngine(t, 'adopting tables that drifted from the entities warns with the statements that would align them', async (t, engine) => {
  const { entities, migrations } = await firstParty();
  const old = await connectControlPlane(databaseOf(engine), entities);
  await old.schema.updateSchema({ safe: true });
  // An older release, before this column existed.
  await old.em.getConnection().execute('ALTER TABLE tenants DROP COLUMN provisioning_step');
  await old.close(true);

  const { log, lines } = recordingLog();
  await opened(t, await openControlPlane(databaseOf(engine), { entities, migrations, log }));
  const warnings = lines.filter((l) => l.level === 'warn');
  t.equal(warnings.length, 1);
  t.match(String(warnings[0]?.fields.diff), /provisioning_step/, 'the warning names what differs');
});

void forEachEngine(t, 'a control plane with only some of a migration\'s tables is refused, naming them', async (t, engine) => {
  const { entities, migrations } = await firstParty();
  const old = await connectControlPlane(databaseOf(engine), entities);
  await old.schema.updateSchema({ safe: true });
  await old.em.getConnection().execute('DROP TABLE billing_operations');
  await old.close(true);

  const err = await openControlPlane(databaseOf(engine), { entities, migrations }).then(
    (orm) => orm.close(true).then(() => undefined),
    (e: unknown) => e,
  );
  t.ok(TenantErrors.CONTROL_PLANE_SCHEMA_PARTIAL.is(err), 'start-up stops with CONTROL_PLANE_SCHEMA_PARTIAL');
  t.match((err as Error).message, /billing:0001-initial-tables .* lacks billing_operations/);
  const rows = await tracked(engine);
  t.same(idsOf(rows), ['events:0001-event-tables', 'ksa:0001-initial-tables', 'tenants:0001-initial-tables', 'tenants:0002-leases-and-scheduled-jobs', 'tenants:0003-audit-trail'], 'the plugins loaded before it were adopted (or migrated); nothing after it ran');
});

void forEachEngine(t, 'a failing migration leaves neither its tables nor its row; the next start runs it again', async (t, engine) => {
  let broken = true;
  const own = (name: string, table: string, fail = false): PluginControlPlaneMigration => ({
    plugin: 'notes',
    migration: {
      name,
      async up({ execute }) {
        await execute(`CREATE TABLE ${table} (id varchar(36) PRIMARY KEY)`);
        if (fail && broken) throw new Error('boom');
      },
    },
  });
  const migrations = [own('0001-notes', 'notes'), own('0002-labels', 'note_labels', true), own('0003-tags', 'note_tags')];
  const orm = await opened(t, await connectControlPlane(databaseOf(engine)));

  const err = await migrateControlPlane(orm, dialectOf(engine), migrations).catch((e: unknown) => e);
  t.ok(TenantErrors.CONTROL_PLANE_MIGRATION_FAILED.is(err));
  t.match((err as Error).message, 'notes:0002-labels failed: boom');
  const tables = async () =>
    (engine.name === 'sqlite'
      ? await engine.controlPlaneRows("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'note%' ORDER BY name")
      : await engine.controlPlaneRows("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'note%' ORDER BY table_name")
    ).map((r) => r.name);
  t.same(await tables(), ['notes'], 'the failed migration\'s table was rolled back; the one after it did not run');
  t.same(idsOf(await tracked(engine)), ['notes:0001-notes'], 'only the migration that succeeded is recorded');

  broken = false;
  t.same(await migrateControlPlane(orm, dialectOf(engine), migrations), { applied: ['notes:0002-labels', 'notes:0003-tags'], baseline: [] });
  t.same(await tables(), ['note_labels', 'note_tags', 'notes']);
});

t.test('two migrations of one name in one plugin are refused before anything runs', async (t) => {
  const m: ControlPlaneMigration = { name: '0001-x', up: async () => undefined };
  const err = await migrateControlPlane({} as MikroORM, 'sqlite', [{ plugin: 'x', migration: m }, { plugin: 'x', migration: m }]).catch((e: unknown) => e);
  t.ok(TenantErrors.CONTROL_PLANE_MIGRATION_FAILED.is(err));
  t.match((err as Error).message, 'declares two migrations of this name');
});
