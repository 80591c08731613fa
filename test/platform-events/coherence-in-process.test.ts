import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachEngine } from '../helpers/engines.js';
import { adminHeaders, createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { manifest, startMarketKernel } from '../marketplace/helpers.js';
import { recordingOutbox, SharedTestBus } from './helpers/recording-outbox.js';

/**
 * Two kernels on one control plane, as two nodes, sharing a bus: what one node changes (installs,
 * upgrades, settings, enable/disable, uninstall, tenant status, key revocations) the other applies
 * within a second through its every-node consumers, though it had the old state cached; after a bus
 * outage in which it missed events, it reloads from the control plane. The two-process version over
 * NATS is test/cluster/coherence.test.ts.
 */

const greeter = (version: string, word: string) => ({
  manifest: manifest({
    id: 'acme.greeter',
    version,
    permissions: [],
    routes: [{ method: 'GET', path: '/hello', handler: 'hello' }],
    settings: { type: 'object', additionalProperties: false, properties: { name: { type: 'string' } } },
  }),
  code: `import { defineModule, settings } from 'dogan:module';
export default defineModule({ routes: { hello: async () => ({ status: 200, body: { word: '${word}', version: '${version}', name: settings.get().name ?? null } }) } });`,
});

/** Polls `check` until it is true or `ms` pass; resolves to how long it took, or -1. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started <= ms) {
    if (await check()) return Date.now() - started;
    await sleep(20);
  }
  return -1;
}

void forEachEngine(t, 'two nodes on one control plane apply each other’s changes within a second', async (t, engine) => {
  const bus = new SharedTestBus();
  const one = await startMarketKernel(t, {}, [recordingOutbox({ bus, name: 'recording-outbox' }).plugin], engine);
  const two = await startMarketKernel(t, {}, [recordingOutbox({ bus, name: 'recording-outbox' }).plugin], engine);
  for (const release of [greeter('1.0.0', 'hello'), greeter('1.1.0', 'marhaba')]) await one.publish(release.manifest, release.code);
  const a = await createTenantWithKey(one.kernel.app, { name: 'Tenant A', subdomain: 'tenant-a', locale: 'en' });
  const b = await createTenantWithKey(one.kernel.app, { name: 'Tenant B', subdomain: 'tenant-b', locale: 'en' });
  type Node = typeof one;
  const req = (node: Node, who: typeof a, method: string, path: string, payload?: object) =>
    node.kernel.app.inject({ method: method as 'GET', url: `/api/v1/${who.subdomain}${path}`, headers: who.headers, ...(payload ? { payload } : {}) });
  const hello = (node: Node, who = a) => req(node, who, 'GET', '/apps/acme.greeter/hello');
  const answers = (node: Node, expected: Record<string, unknown> | number, who = a) => async () => {
    const res = await hello(node, who);
    if (typeof expected === 'number') return res.statusCode === expected;
    return res.statusCode === 200 && Object.entries(expected).every(([k, v]) => res.json()[k] === v);
  };

  // Node two looks first, so that it has "not installed" and the tenants cached.
  t.equal((await hello(two)).statusCode, 404, 'not installed yet');
  t.equal((await req(one, a, 'POST', '/modules/acme.greeter/install', { version: '1.0.0', grants: [], settings: { name: 'Ada' } })).statusCode, 201);
  t.ok((await within(1_000, answers(two, { version: '1.0.0', name: 'Ada' }))) >= 0, 'installed through node one, it answers through node two within 1 s');

  t.equal((await req(one, a, 'POST', '/modules/acme.greeter/upgrade', { version: '1.1.0' })).statusCode, 200);
  t.ok((await within(1_000, answers(two, { version: '1.1.0', word: 'marhaba' }))) >= 0, 'an upgrade: node two serves the new version (its old isolate drained)');

  t.equal((await req(one, a, 'PUT', '/modules/acme.greeter/settings', { name: 'Grace' })).statusCode, 200);
  t.ok((await within(1_000, answers(two, { name: 'Grace' }))) >= 0, 'a settings change reaches node two');

  t.equal((await req(two, a, 'POST', '/modules/acme.greeter/disable')).statusCode, 200);
  t.ok((await within(1_000, answers(one, 404))) >= 0, 'disabled through node two: node one answers 404');
  t.equal((await req(two, a, 'POST', '/modules/acme.greeter/enable')).statusCode, 200);
  t.ok((await within(1_000, answers(one, { version: '1.1.0', name: 'Grace' }))) >= 0, 'and enabled again');

  t.equal((await req(one, a, 'POST', '/modules/acme.greeter/rollback')).statusCode, 200);
  t.ok((await within(1_000, answers(two, { version: '1.0.0' }))) >= 0, 'a rollback reaches node two');

  t.equal((await hello(two, b)).statusCode, 404, 'tenant B never installed it, on either node');

  t.equal((await req(one, a, 'DELETE', '/modules/acme.greeter')).statusCode, 204);
  t.ok((await within(1_000, answers(two, 404))) >= 0, 'uninstalled through node one: gone on node two');

  // A key node one has verified (and cached), revoked through node two.
  const key = (await one.kernel.app.inject({ method: 'POST', url: `/api/admin/tenants/${a.id}/api-keys`, headers: adminHeaders, payload: { name: 'short-lived', scopes: ['read'] } })).json();
  const info = (node: Node, secret: string) => node.kernel.app.inject({ url: '/api/v1/tenant-a/info', headers: { authorization: `Bearer ${secret}` } });
  t.equal((await info(one, key.key)).statusCode, 200);
  t.equal((await two.kernel.app.inject({ method: 'DELETE', url: `/api/admin/tenants/${a.id}/api-keys/${key.id}`, headers: adminHeaders })).statusCode, 200);
  t.ok((await within(1_000, async () => (await info(one, key.key)).statusCode === 401)) >= 0, 'a key revoked on node two is refused on node one within 1 s');

  // A tenant both nodes have cached, suspended through node one.
  t.equal((await req(two, a, 'GET', '/info')).statusCode, 200);
  t.equal((await one.kernel.app.inject({ method: 'POST', url: `/api/admin/tenants/${a.id}/suspend`, headers: adminHeaders })).statusCode, 200);
  for (const [name, node] of [['one', one], ['two', two]] as const) {
    t.ok((await within(1_000, async () => (await req(node, a, 'GET', '/info')).json().code === 'TENANT_SUSPENDED')) >= 0, `the suspended tenant is refused on node ${name}`);
  }
  t.equal((await req(two, b, 'GET', '/info')).statusCode, 200, 'tenant B is served on both nodes meanwhile');
  t.equal((await req(one, b, 'GET', '/info')).statusCode, 200);

  // An outage: node one misses the revocation's event, and reloads what it caches when the bus is back.
  const other = (await one.kernel.app.inject({ method: 'POST', url: `/api/admin/tenants/${b.id}/api-keys`, headers: adminHeaders, payload: { name: 'missed', scopes: ['read'] } })).json();
  const infoB = (node: Node) => node.kernel.app.inject({ url: '/api/v1/tenant-b/info', headers: { authorization: `Bearer ${other.key}` } });
  t.equal((await infoB(one)).statusCode, 200);
  bus.down = true;
  t.equal((await two.kernel.app.inject({ method: 'DELETE', url: `/api/admin/tenants/${b.id}/api-keys/${other.id}`, headers: adminHeaders })).statusCode, 200);
  // Longer than the nodes take to notice (they read the bus's health twice a second).
  await sleep(1_200);
  t.equal((await infoB(one)).statusCode, 200, 'while the bus is down node one still has the key cached');
  bus.down = false;
  t.ok((await within(1_500, async () => (await infoB(one)).statusCode === 401)) >= 0, 'when it is back, node one reloads and refuses the key');
});
