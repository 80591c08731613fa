import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { adminHeaders, createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { eventually, ProbeConsumer, startEventsKernel } from './helpers.js';

/**
 * The transactional outbox on both engines, in the control plane and in tenant databases: an event
 * recorded in a transaction that rolls back is never published; one recorded in a transaction that
 * commits is published once; a tenant database's events name their tenant and nothing else sees them.
 */

const TYPE = 'acme.probe.happened';

await forEachEngine(t, 'outbox', async (t, engine) => {
  const probe = new ProbeConsumer('probe', ['acme.probe.*']);
  const { kernel, api, outbox } = await startEventsKernel(t, engine, { consumers: [probe] });
  const cp = api.data.controlPlane;
  const appliedTypes = () => probe.events.map((e) => e.payload as { n: string });

  await t.test('control plane: rolled back never, committed once, emit once', async (t) => {
    await cp
      .transaction(async (tx) => {
        await outbox.record(tx, [{ type: TYPE, tenantId: null, payload: { n: 'rolled-back' } }]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await cp.transaction((tx) => outbox.record(tx, [{ type: TYPE, tenantId: null, payload: { n: 'committed' } }]));
    await outbox.emit([{ type: TYPE, tenantId: null, payload: { n: 'emitted' } }]);
    t.ok(await eventually(() => probe.events.length >= 2), 'the committed and emitted events arrive');
    // Two sweeps more: a late publish of the rolled-back one would show by now.
    await new Promise((r) => setTimeout(r, 500));
    t.same(appliedTypes().map((p) => p.n).sort(), ['committed', 'emitted']);
    t.same([...probe.applied.values()], [1, 1], 'each applied once');
    const unsent = await engine.controlPlaneRows('SELECT count(*) AS n FROM event_outbox WHERE sent_at_ms IS NULL');
    t.equal(Number(unsent[0]!.n), 0, 'nothing left unsent');
  });

  await t.test("tenant databases: events commit with the tenant's change; a second tenant sees nothing", async (t) => {
    const a = await createTenantWithKey(kernel.app, { name: 'Outbox A', subdomain: `outbox-a-${engine.name}` });
    const b = await createTenantWithKey(kernel.app, { name: 'Outbox B', subdomain: `outbox-b-${engine.name}` });
    const tenantA = await api.tenants.get(a.id);
    const dbA = await api.data.of(tenantA);
    const before = probe.events.length;
    await dbA
      .transaction(async (tx) => {
        await outbox.record(tx, [{ type: TYPE, tenantId: a.id, payload: { n: 'tenant-rolled-back' } }]);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await dbA.transaction((tx) => outbox.record(tx, [{ type: TYPE, tenantId: a.id, payload: { n: 'tenant-committed' } }]));
    t.ok(await eventually(() => probe.events.length > before), 'the committed tenant event arrives');
    await new Promise((r) => setTimeout(r, 500));
    const fromTenant = probe.events.slice(before);
    t.same(fromTenant.map((e) => (e.payload as { n: string }).n), ['tenant-committed'], 'only the committed one, once');
    t.equal(fromTenant[0]!.tenantId, a.id, 'it names its tenant');

    // The second tenant's database holds no outbox row of the first's, and its own outbox is empty.
    const tenantB = await api.tenants.get(b.id);
    const rowsB = await (await api.data.of(tenantB)).query('SELECT id FROM event_outbox');
    t.same(rowsB, [], "the second tenant's outbox has nothing");
    const rowsA = await dbA.query<{ sent_at_ms: unknown }>('SELECT sent_at_ms FROM event_outbox');
    t.equal(rowsA.length, 1, "the first tenant's outbox holds its one committed event");
    t.ok(rowsA[0]!.sent_at_ms !== null, 'marked sent');

    await t.rejects(
      dbA.transaction((tx) => outbox.record(tx, [{ type: TYPE, tenantId: b.id, payload: {} }, { type: TYPE, tenantId: a.id, payload: {} }])),
      { code: 'EVENT_TENANT_MIXED' },
      "one tenant's database takes only that tenant's events",
    );
    await t.rejects(outbox.emit([{ type: 'Not A Type', tenantId: null, payload: {} }]), { code: 'EVENT_TYPE_INVALID' });
  });

  await t.test('the sweep finds a tenant outbox a nudge never saw (recorded by another node)', async (t) => {
    const c = await createTenantWithKey(kernel.app, { name: 'Outbox C', subdomain: `outbox-c-${engine.name}` });
    const before = probe.events.length;
    // Written as another node would: the hint and the row, with no nudge in this process.
    const tenantC = await api.tenants.get(c.id);
    await cp.run('INSERT INTO event_outbox_hints (tenant_id, hints, noted_at_ms) VALUES (?, 1, ?)', [c.id, Date.now()]);
    await (await api.data.of(tenantC)).run(`INSERT INTO event_outbox (id, type, version, tenant_id, occurred_at, payload) VALUES (?, ?, 1, ?, ?, ${cp.json})`, [
      '5f0e2a51-0000-4000-8000-00000000c0de',
      TYPE,
      c.id,
      new Date().toISOString(),
      JSON.stringify({ n: 'other-node' }),
    ]);
    t.ok(await eventually(() => probe.events.length > before, 5_000), 'relayed by the periodic sweep');
    t.equal(probe.events.at(-1)!.id, '5f0e2a51-0000-4000-8000-00000000c0de');
  });

  await t.test('the admin API still answers with the plugin loaded', async (t) => {
    const res = await kernel.app.inject({ method: 'GET', url: '/ready', headers: adminHeaders });
    t.equal(res.statusCode, 200);
    t.equal(res.json().status, 'ready');
  });
});
