import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { definePlugin, type Kernel } from '@dogan/runtime';
import t, { type Test } from 'tap';
import { TenantSchema } from '../../tenants/src/entities/tenant.js';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { createNotesPlugin } from './fixtures/notes-plugin.js';
import { ADMIN, inventory, startTenantKernel, type TenantKernel } from './fixtures/tenant-kernel.js';

/**
 * Recovery of interrupted provisionings between nodes, in process: two kernels on one engine stand
 * for two nodes. Node A's provisioning is held inside a plugin's onTenantProvisioned hook (the record
 * in `provisioning`, its database created and migrated); node B sweeps, deletes or purges meanwhile.
 * The kill -9 cases with real processes are in test/faults/provisioning-crash.test.ts.
 */

/** A plugin whose onTenantProvisioned waits while a hold is armed: a provisioning caught in the act. */
function createGatePlugin() {
  let hold: { entered: () => void; released: Promise<void> } | undefined;
  const plugin = definePlugin({
    name: 'gate',
    version: '1.0.0',
    kernel: '^0.1.0',
    dependencies: { tenants: '^0.1.0' },
    async onTenantProvisioned() {
      const current = hold;
      hold = undefined;
      if (!current) return;
      current.entered();
      await current.released;
    },
  });
  /** Arms the hold for the next provisioning; `entered` resolves once it waits, `release` lets it go on. */
  const arm = () => {
    let entered!: () => void;
    let release!: () => void;
    const entering = new Promise<void>((r) => (entered = r));
    hold = { entered, released: new Promise<void>((r) => (release = r)) };
    return { entered: entering, release };
  };
  return { plugin, arm };
}

async function twoNodes(t: Test, engine: TestEngine) {
  const gate = createGatePlugin();
  const a = await startTenantKernel(t, engine, { plugins: [createNotesPlugin(), gate.plugin], captureLogs: true });
  const b = await startTenantKernel(t, engine, { plugins: [createNotesPlugin(), createGatePlugin().plugin], captureLogs: true });
  return { a, b, gate };
}

/** Starts creating `subdomain` on node A and waits until it is held in the hook. */
async function heldProvisioning(node: TenantKernel, gate: ReturnType<typeof createGatePlugin>, subdomain: string) {
  const hold = gate.arm();
  const answer = node.kernel.app.inject({ method: 'POST', url: '/api/admin/tenants', headers: ADMIN, payload: { name: `Held ${subdomain}`, subdomain } });
  await hold.entered;
  const record = await node.api.controlPlane.em.fork().findOneOrFail(TenantSchema, { subdomain }, { disableIdentityMap: true });
  return { answer, release: hold.release, record };
}

async function setRecord(node: TenantKernel, subdomain: string, changes: { provisioningLeaseUntil?: Date; provisioningOwner?: string }) {
  await node.api.controlPlane.em.fork().nativeUpdate(TenantSchema, { subdomain }, changes);
}

function create(kernel: Kernel, subdomain: string) {
  return kernel.app.inject({ method: 'POST', url: '/api/admin/tenants', headers: ADMIN, payload: { name: `Again ${subdomain}`, subdomain } });
}

/** The pid of a process that has just exited: an owner on this host that is certainly gone. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

void forEachEngine(t, "a provisioning still running on another node is left alone by recovery, DELETE and purge", async (t, engine) => {
  const { a, b, gate } = await twoNodes(t, engine);
  const held = await heldProvisioning(a, gate, 'busy');
  t.equal(held.record.status, 'provisioning');
  t.ok(held.record.provisioningLeaseUntil!.getTime() > Date.now(), 'the record carries a lease in the future');
  t.match(held.record.provisioningOwner, new RegExp(`^${hostname()}/${process.pid}/`), 'and names its owner');
  t.equal(held.record.provisioningStep, 'plugin-hooks', 'and the step it reached');

  t.same((await b.api.tenants.sweep()).rolledBack, [], "node B's sweep does not touch it");
  for (const url of [`/api/admin/tenants/${held.record.id}`, `/api/admin/tenants/${held.record.id}?purge=true`]) {
    const refused = await b.kernel.app.inject({ method: 'DELETE', url, headers: ADMIN });
    t.equal(refused.statusCode, 409, `DELETE ${url.includes('purge') ? 'with purge ' : ''}is refused`);
    t.equal(refused.json().code, 'TENANT_PROVISIONING_IN_PROGRESS');
  }
  held.release();
  const done = await held.answer;
  t.equal(done.statusCode, 201, 'the provisioning completes');
  t.equal(done.json().status, 'trial');
  const [row] = await engine.controlPlaneRows(`SELECT provisioning_owner, provisioning_lease_until, provisioning_step FROM tenants WHERE subdomain = 'busy'`);
  t.same(row, { provisioning_owner: null, provisioning_lease_until: null, provisioning_step: null }, 'a provisioned tenant carries no lease');
});

void forEachEngine(t, 'an abandoned provisioning is rolled back by exactly one of two nodes sweeping at once', async (t, engine) => {
  const { a, b, gate } = await twoNodes(t, engine);
  const before = await inventory(engine);
  const held = await heldProvisioning(a, gate, 'orphan');
  t.equal((await inventory(engine)).databases.length, before.databases.length + 1, 'its database exists');
  await setRecord(a, 'orphan', { provisioningLeaseUntil: new Date(Date.now() - 1000) });

  const reports = await Promise.all([a.api.tenants.sweep(), b.api.tenants.sweep()]);
  t.same(reports.flatMap((r) => r.rolledBack), [held.record.id], 'one node rolled it back');
  t.same(reports.flatMap((r) => r.failed), [], 'the other found it taken, and neither failed');
  t.same(await inventory(engine), before, 'no record and no database are left');
  const logged = [...a.logs, ...b.logs].filter((l) => l.msg === 'rolled back an interrupted provisioning');
  t.match(logged, [{ tenantId: held.record.id, subdomain: 'orphan', step: 'plugin-hooks', databaseDropped: true, level: 40 }], 'the roll-back is logged once, with the tenant id');
  const audit = await engine.controlPlaneRows(`SELECT action, actor FROM audit_log WHERE tenant_id = '${held.record.id}'`);
  t.same(audit, [{ action: 'tenant.provisioning_rolled_back', actor: 'system:sweep' }], 'and audited');

  held.release();
  const failed = await held.answer;
  t.equal(failed.statusCode, 500, 'the node whose lease ran out fails its request instead of opening the tenant');
  t.equal(failed.json().code, 'TENANT_PROVISIONING_FAILED');
  t.same(await inventory(engine), before, 'and leaves nothing behind either');
  const again = await create(b.kernel, 'orphan');
  t.equal(again.statusCode, 201, 'the subdomain can be created again');
  t.equal(again.json().status, 'trial');
});

void forEachEngine(t, 'DELETE removes a provisioning whose owner process is gone, at once', async (t, engine) => {
  const { a, b, gate } = await twoNodes(t, engine);
  const before = await inventory(engine);
  const held = await heldProvisioning(a, gate, 'stuck');
  // The lease still holds, but the owner was a process on this host that no longer exists.
  await setRecord(a, 'stuck', { provisioningOwner: `${hostname()}/${await deadPid()}/0123456789ab` });
  const removed = await b.kernel.app.inject({ method: 'DELETE', url: '/api/admin/tenants/stuck', headers: ADMIN });
  t.equal(removed.statusCode, 204, 'DELETE answers 204: there was nothing to schedule');
  t.same(await inventory(engine), before, 'no record and no database are left');
  t.equal((await b.kernel.app.inject({ url: '/api/admin/tenants/stuck', headers: ADMIN })).statusCode, 404);
  held.release();
  t.equal((await held.answer).statusCode, 500);
  t.equal((await create(b.kernel, 'stuck')).statusCode, 201, 'the subdomain can be created again');
});

void forEachEngine(t, 'a roll-back whose database cannot be dropped keeps the record for the next sweep', async (t, engine) => {
  const { a, b, gate } = await twoNodes(t, engine);
  const before = await inventory(engine);
  const held = await heldProvisioning(a, gate, 'sticky');
  await setRecord(a, 'sticky', { provisioningLeaseUntil: new Date(Date.now() - 1000) });
  const realDrop = b.api.databases.dropDatabase.bind(b.api.databases);
  b.api.databases.dropDatabase = async () => {
    throw new Error('database is being accessed by other users');
  };
  const first = await b.api.tenants.sweep();
  t.same(first.rolledBack, []);
  t.match(first.failed, [{ tenantId: held.record.id, action: 'roll-back', error: /being accessed/ }], 'the failure is reported');
  const [row] = await engine.controlPlaneRows(`SELECT status FROM tenants WHERE subdomain = 'sticky'`);
  t.equal(row?.status, 'provisioning', 'the record stays, so the database is not forgotten');
  b.api.databases.dropDatabase = realDrop;
  const second = await b.api.tenants.sweep();
  t.same(second.rolledBack, [held.record.id], 'the next sweep finishes the roll-back');
  t.same(await inventory(engine), before);
  held.release();
  await held.answer;
});
