import t from 'tap';
import { moduleFromSource } from '../../plugins/modules/src/index.js';
import { manifestFor } from '../registry/helpers/releases.js';
import { startModulesKernel } from '../sandbox/helpers.js';

/**
 * Regression: a module granted events could emit any type its manifest listed, including another
 * publisher's module's (`acme.tasks.done`) and platform types (`tenant.deleted`, `billing.*`), and the
 * tenant's other modules received them as if they were real. A module emits only under its own id;
 * platform events come only from the platform. The emitter here declares the foreign types in its
 * manifest (as one published before the rule would), so only the kernel's run-time check stands in
 * its way. Subscribing to other modules' and platform events stays allowed.
 */

const description = { en: 'e', ar: 'e' };

// Records every event it receives; subscribes to a neighbour's type, platform types and its own.
const listener = {
  manifest: manifestFor('acme.tasks', '1.0.0', {
    permissions: [
      { name: 'data', kind: 'storage', required: true, description },
      { name: 'announce', kind: 'events', required: true, description, emit: ['acme.tasks.*'] },
    ],
    collections: [{ name: 'seen', schema: { type: 'object', properties: { type: { type: 'string' } } } }],
    routes: [{ method: 'GET', path: '/seen', handler: 'seen' }],
    events: ['acme.tasks.done', 'tenant.deleted', 'billing.invoice_paid', 'evil.emitter.ping'].map((event) => ({ event, handler: 'record' })),
  }),
  code: `import { storage } from 'dogan:module';
export const events = { record: async (e) => { await storage.insert('seen', { type: e.type }); } };
export const routes = { seen: async () => ({ status: 200, body: (await storage.query('seen', { limit: 100 })).items.map((d) => d.type).sort() }) };`,
};

const emitter = {
  manifest: manifestFor('evil.emitter', '1.0.0', {
    permissions: [{ name: 'loud', kind: 'events', required: true, description, emit: ['acme.tasks.done', 'tenant.deleted', 'billing.*', 'evil.emitter.*'] }],
    collections: [],
    routes: [{ method: 'POST', path: '/emit', handler: 'emit' }],
  }),
  code: `import { events } from 'dogan:module';
export const routes = { emit: async (req) => {
  try { await events.emit(req.body.type, { forged: true }); return { status: 202, body: { emitted: true } }; }
  catch (err) { return { status: 403, body: { code: err.code } }; }
} };`,
};

t.test("a module cannot emit another module's or the platform's event types", async (t) => {
  const k = await startModulesKernel(t, { tenantCount: 2 });
  for (const m of [listener, emitter]) k.runtime.register(moduleFromSource(m.manifest, m.code));
  const [a, b] = [k.tenant(0), k.tenant(1)];
  for (const tenant of [a, b]) {
    await k.runtime.enableForTenant(tenant.id, 'acme.tasks', ['data', 'announce']);
    await k.runtime.enableForTenant(tenant.id, 'evil.emitter', ['loud']);
  }
  const seen = async (tenant: typeof a) => (await k.call(tenant, 'acme.tasks', '/seen')).body as string[];
  const emit = (tenant: typeof a, type: string) => k.call(tenant, 'evil.emitter', '/emit', { method: 'POST', body: { type } });
  /** Deliveries are asynchronous: waits until `tenant`'s listener has seen `count` events. */
  const settled = async (tenant: typeof a, count: number) => {
    for (let i = 0; i < 100 && (await seen(tenant)).length < count; i++) await new Promise((r) => setTimeout(r, 50));
    return seen(tenant);
  };
  const deniedBefore = await k.metric('SANDBOX_PERMISSION_DENIED');

  for (const type of ['acme.tasks.done', 'tenant.deleted', 'billing.invoice_paid']) {
    const res = await emit(a, type);
    t.same({ status: res.status, body: res.body }, { status: 403, body: { code: 'SANDBOX_PERMISSION_DENIED' } }, `emitting "${type}" is refused`);
  }
  // Its own namespace still works, and is delivered to a module subscribed to it: that one event is all the listener sees.
  t.equal((await emit(a, 'evil.emitter.ping')).status, 202, 'a module emits under its own id');
  t.same(await settled(a, 1), ['evil.emitter.ping'], 'the subscribed module received none of the forged events');
  t.equal(await k.metric('SANDBOX_PERMISSION_DENIED'), deniedBefore + 3, 'each refusal is counted as a breach');
  const logs = await k.runtime.readLogs(a, 'evil.emitter', { limit: 20 });
  t.ok(logs.some((l) => /SANDBOX_PERMISSION_DENIED/.test(l.message) && /tenant\.deleted/.test(l.message)), "the refusal is in the module's log");

  // The platform publishes its own types.
  await k.runtime.emitEvent(a.id, 'tenant.deleted', { id: a.id });
  t.same(await settled(a, 2), ['evil.emitter.ping', 'tenant.deleted'], 'a platform event reaches its subscribers');

  // The second tenant saw nothing of all this and is served as before.
  t.same(await seen(b), [], "tenant B's listener received nothing");
  t.equal((await emit(b, 'evil.emitter.ping')).status, 202);
  t.same(await settled(b, 1), ['evil.emitter.ping'], 'tenant B is served');
});
