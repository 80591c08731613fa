import t from 'tap';
import { buildKernel, definePlugin, KernelErrors, PLATFORM_ADMIN_POLICY, PUBLIC_POLICY, tenantPolicy, type RouteGuard } from '@dogan/runtime';
import { TEST_ADMIN_TOKEN, testConfig } from '../helpers/kernel.js';

/**
 * The kernel's route-policy chain, without the tenants plugin: a route without a declared policy
 * stops the start with a typed error naming it; the stages plugins contribute run in one fixed
 * order whatever order they were contributed in; a refusal of one stage stops the chain.
 */

const route = (method: 'get' | 'post', url: string, config?: Record<string, unknown>) =>
  definePlugin({
    name: 'one-route',
    version: '1.0.0',
    kernel: '^0.1.0',
    routes(app) {
      app[method](url, config ? { config } : {}, async () => ({ ok: true }));
    },
  });

t.test('a plugin route without a policy fails the start with ROUTE_POLICY_MISSING naming it', async (t) => {
  const err = await buildKernel({ config: testConfig(), plugins: [route('post', '/api/v1/:tenant/undeclared')] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(KernelErrors.ROUTE_POLICY_MISSING.is(err), 'the typed error');
  t.match((err as Error).message, /POST \/api\/v1\/:tenant\/undeclared/, 'it names the method and URL');
});

t.test('a policy that cannot be enforced fails the start with ROUTE_POLICY_INVALID', async (t) => {
  const noTenants = await buildKernel({ config: testConfig(), plugins: [route('get', '/needs-tenant', { policy: tenantPolicy('read') })] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(KernelErrors.ROUTE_POLICY_INVALID.is(noTenants), 'auth "tenant" with no plugin contributing the tenant stage');
  t.match((noTenants as Error).message, /GET \/needs-tenant.*"tenant" stage/);
  const garbage = await buildKernel({ config: testConfig(), plugins: [route('get', '/garbage', { policy: { auth: 'anyone', scope: 'read' } })] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(KernelErrors.ROUTE_POLICY_INVALID.is(garbage), 'an unknown auth');
  const wrongScope = await buildKernel({ config: testConfig(), plugins: [route('get', '/public-admin', { policy: { auth: 'public', scope: 'admin' } })] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(KernelErrors.ROUTE_POLICY_INVALID.is(wrongScope), 'a public route that claims a scope');
});

t.test('a stage contributed twice fails the start with PLUGIN_ROUTE_GUARD_DUPLICATE', async (t) => {
  const contributor = (name: string) =>
    definePlugin({ name, version: '1.0.0', kernel: '^0.1.0', init: (ctx) => ctx.addRouteGuard('quota', () => undefined) });
  const err = await buildKernel({ config: testConfig(), plugins: [contributor('meter-a'), contributor('meter-b')] }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.match(err, { code: 'PLUGIN_ROUTE_GUARD_DUPLICATE' });
  t.match((err as Error).message, /"quota".*meter-a.*meter-b/);
});

t.test('the chain runs tenant → scope → quota, whatever order they were contributed in', async (t) => {
  const calls: string[] = [];
  const refuseAt = { stage: '' };
  const guard = (stage: string): RouteGuard => async (request, reply, policy) => {
    calls.push(`${stage}:${policy.scope}`);
    if (refuseAt.stage === stage) {
      reply.header('retry-after', '7');
      return KernelErrors.FORBIDDEN(`refused by ${stage}`);
    }
    return undefined;
  };
  // Contributed in reverse, by two plugins: the kernel owns the order.
  const meter = definePlugin({ name: 'meter', version: '1.0.0', kernel: '^0.1.0', init: (ctx) => ctx.addRouteGuard('quota', guard('quota')) });
  const auth = definePlugin({
    name: 'auth',
    version: '1.0.0',
    kernel: '^0.1.0',
    init(ctx) {
      ctx.addRouteGuard('scope', guard('scope'));
      ctx.addRouteGuard('tenant', guard('tenant'));
    },
    routes(app) {
      app.get('/t/read', { config: { policy: tenantPolicy('read') } }, async () => ({ ok: 'read' }));
      app.post('/t/write', { config: { policy: tenantPolicy('write', { metered: false }) }, schema: { body: { type: 'object', required: ['x'] } } }, async () => ({ ok: 'write' }));
      app.get('/admin-only', { config: { policy: PLATFORM_ADMIN_POLICY } }, async () => ({ ok: 'admin' }));
      app.get('/open', { config: { policy: PUBLIC_POLICY } }, async () => ({ ok: 'open' }));
    },
  });
  const kernel = await buildKernel({ config: testConfig(), plugins: [meter, auth] });
  t.teardown(() => kernel.close());
  const { app } = kernel;

  t.equal((await app.inject({ url: '/t/read' })).statusCode, 200);
  t.same(calls.splice(0), ['tenant:read', 'scope:read', 'quota:read'], 'fixed order, every stage');

  const write = await app.inject({ method: 'POST', url: '/t/write', payload: {} });
  t.same(calls.splice(0), ['tenant:write', 'scope:write'], 'metered: false skips the quota stage');
  t.equal(write.statusCode, 400, 'input is validated after the chain admitted the request');

  refuseAt.stage = 'scope';
  const refused = await app.inject({ method: 'POST', url: '/t/write', payload: {} });
  t.same(calls.splice(0), ['tenant:write', 'scope:write'], 'a refusal stops the chain');
  t.equal(refused.statusCode, 403, 'a refusal is answered before the input is validated');
  t.match(refused.headers['content-type'], /^application\/problem\+json/);
  t.equal(refused.headers['retry-after'], '7', 'headers the stage set are kept');
  t.match(refused.json(), { code: 'FORBIDDEN', detail: 'refused by scope' });
  refuseAt.stage = '';

  t.equal((await app.inject({ url: '/admin-only' })).statusCode, 401, 'platform-admin: no token');
  t.equal((await app.inject({ url: '/admin-only', headers: { authorization: 'Bearer not-it' } })).statusCode, 403, 'platform-admin: wrong token');
  t.equal((await app.inject({ url: '/admin-only', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).statusCode, 200, 'platform-admin: the token');
  t.equal((await app.inject({ url: '/open' })).statusCode, 200, 'public');
  t.same(calls, [], 'no tenant stage ran on admin or public routes');
  t.equal((await app.inject({ url: '/health' })).statusCode, 200, "the kernel's own routes declare theirs");
  t.equal((await app.inject({ url: '/nowhere' })).statusCode, 404, 'unknown routes still answer 404');

  const doc = (await app.inject({ url: '/docs/json' })).json();
  t.same(doc.paths['/t/read'].get['x-dogan-policy'], { auth: 'tenant', scope: 'read', metered: true });
  t.same(doc.paths['/t/read'].get.security, [{ bearer: [] }, { apiKey: [] }]);
  t.same(doc.paths['/t/write'].post['x-dogan-policy'], { auth: 'tenant', scope: 'write', metered: false });
  t.same(doc.paths['/admin-only'].get.security, [{ bearer: [] }]);
  t.same(doc.paths['/open'].get.security, []);
  t.same(doc.paths['/health'].get['x-dogan-policy'], { auth: 'public', scope: 'public' });
});
