import t from 'tap';
import { createServiceRef, definePlugin, resolvePluginOrder, validateDefinition, type PluginDefinition } from '@dogan/runtime';

const p = (name: string, version = '1.0.0', dependencies: Record<string, string> = {}, extra: Partial<PluginDefinition> = {}): PluginDefinition =>
  definePlugin({ name, version, kernel: '^0.1.0', dependencies, ...extra });

const names = (defs: PluginDefinition[]) => defs.map((d) => d.name);

t.test('orders plugins after their dependencies, keeping the given order otherwise', async (t) => {
  const order = resolvePluginOrder([p('billing', '1.0.0', { tenants: '^1.0.0', ksa: '^1.0.0' }), p('ksa', '1.2.0', { tenants: '^1.0.0' }), p('tenants'), p('metrics')], '0.1.0');
  t.same(names(order), ['tenants', 'ksa', 'billing', 'metrics']);
});

t.test('refuses a missing dependency, naming both plugins and the range', async (t) => {
  t.throws(() => resolvePluginOrder([p('billing', '1.0.0', { tenants: '^1.0.0' })], '0.1.0'), {
    code: 'PLUGIN_DEPENDENCY_MISSING',
    message: /"billing" depends on "tenants" \(\^1\.0\.0\)/,
  });
});

t.test('refuses an incompatible dependency version', async (t) => {
  t.throws(() => resolvePluginOrder([p('billing', '1.0.0', { tenants: '^2.0.0' }), p('tenants', '1.4.0')], '0.1.0'), {
    code: 'PLUGIN_DEPENDENCY_INCOMPATIBLE',
    message: /"billing" needs "tenants" \^2\.0\.0, but version 1\.4\.0 is loaded/,
  });
});

t.test('refuses a plugin that does not support this kernel', async (t) => {
  t.throws(() => resolvePluginOrder([definePlugin({ name: 'future', version: '1.0.0', kernel: '^2.0.0' })], '0.1.0'), {
    code: 'PLUGIN_KERNEL_INCOMPATIBLE',
    message: /"future" supports kernel \^2\.0\.0, but this kernel is 0\.1\.0/,
  });
});

t.test('refuses a cycle and shows it', async (t) => {
  t.throws(() => resolvePluginOrder([p('a', '1.0.0', { b: '*' }), p('b', '1.0.0', { c: '*' }), p('c', '1.0.0', { a: '*' }), p('d')], '0.1.0'), {
    code: 'PLUGIN_CYCLE',
    message: /a → b → c → a/,
  });
});

t.test('refuses a duplicate name', async (t) => {
  t.throws(() => resolvePluginOrder([p('tenants', '1.0.0'), p('tenants', '1.1.0')], '0.1.0'), {
    code: 'PLUGIN_DUPLICATE',
    message: /"tenants" is listed twice \(versions 1\.0\.0 and 1\.1\.0\)/,
  });
});

t.test('the services a plugin uses decide its dependencies: their providers load first', async (t) => {
  const ref = createServiceRef<{ hello(): string }>({ id: 'greeter.service' });
  const provider = p('greeter', '1.0.0', {}, { provides: [ref] });
  t.throws(() => resolvePluginOrder([p('user', '1.0.0', {}, { deps: { greeter: ref } })], '0.1.0'), { code: 'PLUGIN_SERVICE_MISSING', message: /"greeter.service", used by plugin "user"/ });
  t.same(names(resolvePluginOrder([p('user', '1.0.0', {}, { deps: { greeter: ref } }), provider], '0.1.0')), ['greeter', 'user']);
  t.throws(() => resolvePluginOrder([p('user', '1.0.0', { greeter: '^2' }, { deps: { greeter: ref } }), provider], '0.1.0'), { code: 'PLUGIN_DEPENDENCY_INCOMPATIBLE' }, 'a declared range still narrows the provider');
});

t.test('two providers of one service are refused, naming both', async (t) => {
  const ref = createServiceRef<object>({ id: 'greeter.service' });
  t.throws(() => resolvePluginOrder([p('one', '1.0.0', {}, { provides: [ref] }), p('two', '1.0.0', {}, { provides: [ref] })], '0.1.0'), {
    code: 'PLUGIN_SERVICE_DUPLICATE',
    message: /"greeter.service" is provided by both plugin "one" and plugin "two"/,
  });
});

t.test('validates the definition shape with the field named', async (t) => {
  t.throws(() => validateDefinition(p('Bad_Name'), 'x'), { code: 'PLUGIN_DEFINITION_INVALID', message: /name must be lowercase/ });
  t.throws(() => validateDefinition(p('ok', 'one'), 'x'), { code: 'PLUGIN_DEFINITION_INVALID', message: /version must be semver/ });
  t.throws(() => validateDefinition(p('ok', '1.0.0', { other: 'not a range!' }), 'x'), { message: /dependency "other" must have a semver range/ });
  t.doesNotThrow(() => validateDefinition(p('ok-two', '1.0.0', { other: '>=1.2 <3' }), 'x'));
});

t.test('an optional service provider, when configured, loads before its consumer', async (t) => {
  const billingRef = createServiceRef<object>({ id: 'billing.service' });
  const market = p('marketplace', '1.0.0', {}, { optionalDeps: { billing: billingRef } });
  const billing = p('billing', '1.0.0', {}, { provides: [billingRef] });
  t.same(names(resolvePluginOrder([market, billing], '0.1.0')), ['billing', 'marketplace']);
  t.same(names(resolvePluginOrder([market], '0.1.0')), ['marketplace'], 'and its absence is fine');
});

t.test('an optional service from a plugin that depends on the consumer does not make a cycle', async (t) => {
  const quotaRef = createServiceRef<object>({ id: 'tenants.quotaProvider' });
  const tenants = p('tenants', '1.0.0', {}, { optionalDeps: { quota: quotaRef } });
  const billing = p('billing', '1.0.0', { tenants: '^1' }, { provides: [quotaRef] });
  t.same(names(resolvePluginOrder([billing, tenants], '0.1.0')), ['tenants', 'billing']);
});
