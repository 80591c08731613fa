import t from 'tap';
import { createServiceRef, definePlugin, buildKernel, PUBLIC_POLICY } from '@dogan/runtime';
import { startTestKernel, testConfig } from '../helpers/kernel.js';

const greeterRef = createServiceRef<{ greet(name: string): string }>({ id: 'greeter.service' });

t.test('services flow from provider to consumer; hooks run in load order and close in reverse', async (t) => {
  const calls: string[] = [];
  const greeter = definePlugin({
    name: 'greeter',
    version: '1.0.0',
    kernel: '^0.1.0',
    provides: [greeterRef],
    init: (ctx) => {
      calls.push('greeter:init');
      ctx.provide(greeterRef, { greet: (n) => `hello ${n}` });
    },
    onReady: () => void calls.push('greeter:ready'),
    onTenantProvisioned: (tenant) => void calls.push(`greeter:tenant:${tenant.id}`),
    onClose: () => void calls.push('greeter:close'),
  });
  const user = definePlugin({
    name: 'user',
    version: '1.0.0',
    kernel: '^0.1.0',
    // No `dependencies`: using the greeter's service is what makes the greeter load first.
    deps: { greeter: greeterRef },
    init: () => void calls.push('user:init'),
    routes(app, ctx) {
      app.get('/hello/:name', { config: { policy: PUBLIC_POLICY }, schema: { params: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } }, required: ['name'] } } }, async (req) => ({
        message: ctx.deps.greeter.greet((req.params as { name: string }).name),
      }));
    },
    onReady: () => void calls.push('user:ready'),
    onTenantProvisioned: (tenant) => void calls.push(`user:tenant:${tenant.id}`),
    onClose: () => void calls.push('user:close'),
  });
  const kernel = await buildKernel({ config: testConfig(), plugins: [user, greeter] });
  const res = await kernel.app.inject({ url: '/hello/sara' });
  t.same(res.json(), { message: 'hello sara' });
  await kernel.host.tenantProvisioned({ id: 't1', subdomain: 'acme' });
  await kernel.close();
  t.same(calls, ['greeter:init', 'user:init', 'greeter:ready', 'user:ready', 'greeter:tenant:t1', 'user:tenant:t1', 'user:close', 'greeter:close']);
});

t.test('a plugin asking for a service it did not declare is refused', async (t) => {
  const sneaky = definePlugin({
    name: 'sneaky',
    version: '1.0.0',
    kernel: '^0.1.0',
    init: (ctx) => void ctx.services.get(greeterRef),
  });
  await t.rejects(buildKernel({ config: testConfig(), plugins: [sneaky] }), { code: 'PLUGIN_SERVICE_UNDECLARED', message: /"sneaky" asked for service "greeter.service"/ });
});

t.test('a plugin that fails in init names itself, and plugins already started are closed', async (t) => {
  const closed: string[] = [];
  const first = definePlugin({ name: 'first', version: '1.0.0', kernel: '^0.1.0', onClose: () => void closed.push('first') });
  const broken = definePlugin({
    name: 'broken',
    version: '1.0.0',
    kernel: '^0.1.0',
    dependencies: { first: '1' },
    init: () => {
      throw new Error('cannot reach the database');
    },
  });
  await t.rejects(buildKernel({ config: testConfig(), plugins: [first, broken] }), {
    code: 'PLUGIN_INIT_FAILED',
    message: 'Plugin "broken" failed in init: cannot reach the database',
  });
  t.same(closed, ['first']);
});

t.test('a declared service that init never provides is an error', async (t) => {
  const lazy = definePlugin({ name: 'lazy', version: '1.0.0', kernel: '^0.1.0', provides: [greeterRef] });
  await t.rejects(buildKernel({ config: testConfig(), plugins: [lazy] }), { code: 'PLUGIN_INIT_FAILED', message: /did not provide it/ });
});

t.test('readiness reflects every plugin check', async (t) => {
  let healthy = true;
  const db = definePlugin({
    name: 'db',
    version: '1.0.0',
    kernel: '^0.1.0',
    init: (ctx) =>
      ctx.addReadinessCheck('database', async () => {
        if (!healthy) throw new Error('connection refused');
      }),
  });
  const kernel = await startTestKernel(t, { plugins: [db] });
  const ok = await kernel.app.inject({ url: '/ready' });
  t.equal(ok.statusCode, 200);
  t.match(ok.json(), { status: 'ready', plugins: 1, checks: [{ plugin: 'db', name: 'database', ok: true }] });
  healthy = false;
  const down = await kernel.app.inject({ url: '/ready' });
  t.equal(down.statusCode, 503);
  t.equal(down.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.match(down.json(), { code: 'SERVICE_UNAVAILABLE', detail: /db\/database: connection refused/ });
  t.equal((await kernel.app.inject({ url: '/health' })).statusCode, 200, 'liveness does not depend on readiness');
});

t.test('DOGAN_PLUGINS loads first-party plugins by name and others by path', async (t) => {
  const kernel = await startTestKernel(t, { env: { DOGAN_PLUGINS: 'platform-info,./test/fixtures/slow-plugin.ts' } });
  t.same(kernel.host.summary.map((p) => p.name), ['platform-info', 'slow']);
  const status = await kernel.app.inject({ url: '/api/v1/system/status' });
  t.equal(status.statusCode, 200);
  t.match(status.json(), { status: 'ok', kernelVersion: '0.1.0', plugins: [{ name: 'platform-info' }, { name: 'slow' }] });
  await t.rejects(buildKernel({ config: testConfig({ DOGAN_PLUGINS: 'no-such-plugin' }) }), { code: 'PLUGIN_NOT_FOUND', message: /"no-such-plugin"/ });
});

t.test('init returns the instance that routes, onReady, tenant hooks, commands and onClose receive', async (t) => {
  const seen: unknown[] = [];
  const counter = definePlugin({
    name: 'counter',
    version: '1.0.0',
    kernel: '^0.1.0',
    init: () => ({ count: 0 }),
    onReady: (_ctx, instance) => void seen.push(['ready', instance.count]),
    onTenantProvisioned: (_tenant, _ctx, instance) => void (instance.count += 1),
    onClose: (_ctx, instance) => void seen.push(['close', instance.count]),
  });
  const kernel = await buildKernel({ config: testConfig(), plugins: [counter] });
  await kernel.host.tenantProvisioned({ id: 't1', subdomain: 'acme' });
  await kernel.host.tenantProvisioned({ id: 't2', subdomain: 'other' });
  t.same(kernel.host.instanceOf('counter'), { count: 2 });
  await kernel.close();
  t.same(seen, [['ready', 0], ['close', 2]]);
});

t.test('a second provider of a service is refused at start, naming both plugins', async (t) => {
  const one = definePlugin({ name: 'greeter-one', version: '1.0.0', kernel: '^0.1.0', provides: [greeterRef], init: (ctx) => ctx.provide(greeterRef, { greet: () => 'one' }) });
  const two = definePlugin({ name: 'greeter-two', version: '1.0.0', kernel: '^0.1.0', provides: [greeterRef], init: (ctx) => ctx.provide(greeterRef, { greet: () => 'two' }) });
  await t.rejects(buildKernel({ config: testConfig(), plugins: [one, two] }), {
    code: 'PLUGIN_SERVICE_DUPLICATE',
    message: 'Service "greeter.service" is provided by both plugin "greeter-one" and plugin "greeter-two"; load only one of them',
  });
});

t.test('a service nobody provides is named at start with the plugin that needs it', async (t) => {
  const user = definePlugin({ name: 'user', version: '1.0.0', kernel: '^0.1.0', deps: { greeter: greeterRef } });
  await t.rejects(buildKernel({ config: testConfig(), plugins: [user] }), { code: 'PLUGIN_SERVICE_MISSING', message: /Service "greeter.service", used by plugin "user"/ });
});
