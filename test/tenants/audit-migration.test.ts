import { join } from 'node:path';
import { AuditTrail } from '@dogan/tenants';
import t from 'tap';
import { connectControlPlane, openControlPlane, ownControlPlaneMigrations } from '../../tenants/src/database/control-plane.js';
import { migrateControlPlane } from '../../tenants/src/database/control-plane-migrations.js';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';

/**
 * Migration 0003 chains the audit rows written before it: per tenant (and the platform) in the order
 * they were written, with their actors given kinds, so they verify like new ones and new entries
 * follow on from them.
 */

const ACME = '00000000-0000-4000-8000-00000000000a';
const BETA = '00000000-0000-4000-8000-00000000000b';

function databaseOf(engine: TestEngine) {
  return { DATABASE_URL: engine.env.DATABASE_URL || undefined, PLATFORM_DB_PATH: join(engine.dataDir, 'platform.db') };
}

void forEachEngine(t, 'the audit rows from before the chain are chained, verify, and are followed on from', async (t, engine) => {
  const database = databaseOf(engine);
  const dialect = engine.name === 'postgresql' ? 'postgresql' : 'sqlite';
  // A control plane of the previous release, with rows its TenantService.audit wrote.
  const old = await connectControlPlane(database);
  await migrateControlPlane(old, dialect, ownControlPlaneMigrations.filter((m) => m.migration.name < '0003'));
  const legacy: Array<[string | null, string, string, object | null]> = [
    [ACME, 'tenant.created', 'platform-admin', { subdomain: 'acme', plan: 'basic' }],
    [BETA, 'tenant.created', 'cli', null],
    [ACME, 'api_key.created', 'api-key:ab12cd34ef56', { keyId: 'k1', prefix: 'ab12cd34ef56', scopes: ['read'] }],
    [null, 'platform.note', 'system:start-up', { nested: { b: 2, a: 1 } }],
    [ACME, 'tenant.suspend', 'system:sweep', { from: 'trial', to: 'suspended' }],
  ];
  for (const [i, [tenantId, action, actor, details]] of legacy.entries()) {
    const at = new Date(Date.UTC(2024, 0, 1, 0, 0, i, 123));
    await old.em.getConnection().execute('INSERT INTO audit_log (tenant_id, action, actor, details, at) VALUES (?, ?, ?, ?, ?)', [
      tenantId,
      action,
      actor,
      details === null ? null : JSON.stringify(details),
      dialect === 'sqlite' ? at.getTime() : at.toISOString(),
    ]);
  }
  await old.close(true);

  const orm = await openControlPlane(database);
  t.teardown(() => orm.close(true));
  t.equal((await orm.schema.getUpdateSchemaSQL({ safe: true, wrap: false })).trim(), '', 'the schema is what the entities map');
  const trail = new AuditTrail(orm);
  t.same(await trail.verify(ACME), { ok: true, entries: 3 });
  t.same(await trail.verify(BETA), { ok: true, entries: 1 });
  t.same(await trail.verify(null), { ok: true, entries: 1 });
  t.same((await trail.chains()).sort(), [ACME, BETA, null].sort());

  const acme = (await trail.page(ACME, {}, undefined, 10)).items;
  t.same(acme.map((e) => [e.seq, e.action, e.actor]), [
    [3, 'tenant.suspend', { kind: 'system', id: 'sweep', label: 'system:sweep' }],
    [2, 'api_key.created', { kind: 'key', id: 'ab12cd34ef56', label: 'api-key:ab12cd34ef56' }],
    [1, 'tenant.created', { kind: 'platform-admin', id: null, label: 'platform-admin' }],
  ]);
  t.same(acme[2]!.details, { subdomain: 'acme', plan: 'basic' });
  t.equal(acme[2]!.at, '2024-01-01T00:00:00.123Z');
  t.match((await trail.page(BETA, {}, undefined, 10)).items, [{ actor: { kind: 'system', id: 'cli', label: 'cli' } }], 'a label keeps its old spelling');
  t.same((await trail.page(null, { actorKind: 'system' }, undefined, 10)).items.map((e) => e.details), [{ nested: { a: 1, b: 2 } }]);

  const next = await trail.record({ tenantId: ACME, actor: { kind: 'user', id: 'u1' }, action: 'tenant.activate' });
  t.match(next, { seq: 4, prevHash: acme[0]!.hash });
  t.same(await trail.verify(ACME), { ok: true, entries: 4 });
});
