import t from 'tap';
import type { PluginDefinition } from '@dogan/runtime';
import tenantsPlugin, { tenantsApiRef } from '@dogan/tenants';
import { createEventsPlugin } from '../../plugins/events/src/index.js';
import { createModulesPlugin, moduleFromSource, modulesRuntimeRef } from '../../plugins/modules/src/index.js';
import { startTestKernel, TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { manifestFor } from '../registry/helpers/releases.js';
import { recordingOutbox, SharedTestBus } from './helpers/recording-outbox.js';

/**
 * With an events plugin loaded, module events go through its outbox and bus, and platform events
 * reach subscribing modules the same way: a module still sees only its own tenant's events, of the
 * types its manifest subscribes to, with the chain depth carried across the bus (a module that
 * re-emits what it receives is stopped at the limit), and the event's id to deduplicate on.
 */

const description = { en: 'e', ar: 'e' };
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

const listener = {
  manifest: manifestFor('acme.listen', '1.0.0', {
    permissions: [
      { name: 'data', kind: 'storage', required: true, description },
      { name: 'announce', kind: 'events', required: true, description, emit: ['acme.listen.*'] },
    ],
    collections: [{ name: 'seen', schema: { type: 'object', properties: { type: { type: 'string' }, depth: { type: 'number' }, id: { type: 'string' }, note: { type: 'string' } } } }],
    routes: [
      { method: 'GET', path: '/seen', handler: 'seen' },
      { method: 'POST', path: '/emit', handler: 'emit' },
    ],
    events: [
      { event: 'tenant.updated', handler: 'record' },
      { event: 'acme.listen.ping', handler: 'chain' },
    ],
  }),
  code: `import { storage, events as bus } from 'dogan:module';
const note = (e, extra = {}) => storage.insert('seen', { type: e.type, depth: e.depth, id: e.id ?? 'none', note: JSON.stringify(e.payload), ...extra });
export const events = {
  record: async (e) => { await note(e); },
  chain: async (e) => {
    await note(e);
    try { await bus.emit('acme.listen.ping', { hop: e.depth }); }
    catch (err) { await storage.insert('seen', { type: 'stopped', depth: e.depth, id: err.code }); }
  },
};
export const routes = {
  seen: async () => ({ status: 200, body: (await storage.query('seen', { limit: 100 })).items.map(({ type, depth, id, note }) => ({ type, depth, id, note })) }),
  emit: async (req) => { await bus.emit('acme.listen.ping', req.body); return { status: 202, body: { emitted: true } }; },
};`,
};

/** What carries the events: the test's stand-in (whose table shows what was recorded), or the events plugin itself. */
const carriers: Array<[string, () => { plugin: PluginDefinition; recorded?: ReturnType<typeof recordingOutbox>['recorded'] }]> = [
  ['a stand-in outbox and bus', () => recordingOutbox({ bus: new SharedTestBus(), relayMs: 10 })],
  ['the events plugin (in-process bus)', () => ({ plugin: createEventsPlugin({ relayIntervalMs: 50, pollIntervalMs: 50 }) })],
];

for (const [carrier, make] of carriers) t.test(`module and platform events reach subscribing modules through ${carrier}, per tenant, within the depth limit`, async (t) => {
  const outbox = make();
  const kernel = await startTestKernel(t, { plugins: [tenantsPlugin, createModulesPlugin({ sandbox: { hosts: 1 } }), outbox.plugin] });
  const runtime = kernel.host.service(modulesRuntimeRef);
  const tenants = kernel.host.service(tenantsApiRef);
  runtime.register(moduleFromSource(listener.manifest, listener.code));
  const a = await tenants.tenants.create({ name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' }, 'test');
  const b = await tenants.tenants.create({ name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' }, 'test');
  for (const tenant of [a, b]) await runtime.enableForTenant(tenant.id, 'acme.listen', ['data', 'announce']);

  const call = (subdomain: string, method: string, path: string, payload?: object) =>
    kernel.app.inject({ method: method as 'GET', url: `/api/v1/${subdomain}/apps/acme.listen${path}`, headers: ADMIN, ...(payload ? { payload } : {}) });
  const seen = async (subdomain: string) => (await call(subdomain, 'GET', '/seen')).json() as Array<{ type: string; depth: number; id: string; note: string }>;
  const settled = async (subdomain: string, count: number) => {
    for (let i = 0; i < 200 && (await seen(subdomain)).length < count; i++) await new Promise((r) => setTimeout(r, 25));
    return seen(subdomain);
  };

  t.equal((await call('tenant-a', 'POST', '/emit', { hello: 'world' })).statusCode, 202);
  // Depth 1 (the route's emit) to 4 are delivered; the handler at depth 4 is refused its emit.
  const chain = await settled('tenant-a', 5);
  t.same(chain.filter((s) => s.type === 'acme.listen.ping').map((s) => s.depth).sort(), [1, 2, 3, 4], 'each hop one deeper, to the limit');
  t.match(chain.find((s) => s.type === 'stopped'), { depth: 4, id: 'SANDBOX_EVENT_LOOP' }, 'the loop is stopped across the bus');
  const ids = chain.filter((s) => s.type === 'acme.listen.ping').map((s) => s.id);
  t.equal(new Set(ids).size, 4, 'handlers get each event its own id to deduplicate on');
  if (outbox.recorded) {
    const recorded = await outbox.recorded('acme.listen.ping');
    t.equal(recorded.length, 4, 'each emit went through the outbox');
    t.match(recorded[0], { tenantId: a.id, version: 1, payload: { module: 'acme.listen', depth: 1, data: { hello: 'world' } } });
    t.same(new Set(ids), new Set(recorded.map((e) => e.id)), 'the ids the outbox gave them');
  }
  t.equal(JSON.parse(chain.find((s) => s.depth === 1)!.note).hello, 'world', 'and the payload as emitted, unwrapped');

  // A platform event: the tenant's update reaches its subscriber, at depth 0.
  const renamed = await kernel.app.inject({ method: 'PUT', url: `/api/admin/tenants/${a.id}`, headers: ADMIN, payload: { name: 'Tenant A renamed' } });
  t.equal(renamed.statusCode, 200);
  const withPlatform = await settled('tenant-a', 6);
  t.match(withPlatform.find((s) => s.type === 'tenant.updated'), { depth: 0, note: /Tenant A renamed/ }, 'the platform event arrives at depth 0');

  await new Promise((r) => setTimeout(r, 200));
  t.same(await seen('tenant-b'), [], "tenant B's module received none of tenant A's events");
  t.equal((await call('tenant-b', 'POST', '/emit', { from: 'b' })).statusCode, 202);
  const bSeen = await settled('tenant-b', 5);
  t.ok(bSeen.every((s) => !s.note?.includes('world') && !s.note?.includes('renamed')), 'and B sees only its own');
  t.equal((await seen('tenant-a')).length, 6, "nor did A receive B's");
});
