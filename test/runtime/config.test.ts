import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { firstPartyPlugins } from '@dogan/distribution';
import { definePlugin, describeConfig, int, loadConfig, resolvePlatformConfig } from '@dogan/runtime';

/** The kernel's and every first-party plugin's variables, resolved as `dogan start` resolves them. */
async function platformConfig(env: Record<string, string>, plugins = 'all') {
  return resolvePlatformConfig({ config: loadConfig({ envFile: false, env: { ...env, DOGAN_PLUGINS: plugins } }), catalog: firstPartyPlugins });
}

t.test('defaults give a working embedded setup', async (t) => {
  const c = (await platformConfig({})).values;
  t.equal(c.PORT, 3000);
  t.equal(c.DOGAN_DATA_DIR, './data');
  t.equal(c.PLATFORM_DB_PATH, join('./data', 'platform.db'), 'derived from the data dir');
  t.equal(c.TENANT_DB_DIR, join('./data', 'tenants'));
  t.equal(c.DATABASE_URL, undefined, 'no DATABASE_URL means SQLite');
  t.equal(c.TRIAL_PERIOD_DAYS, 14);
  t.equal(c.DEFAULT_PLAN, 'starter');
  t.equal(c.USAGE_TRACKING_ENABLED, true);
  t.equal(c.DOGAN_PLUGINS, 'all');
});

t.test('each bad variable of the kernel and every plugin is named with what is wrong, all at once', async (t) => {
  const before = { ...process.env };
  Object.assign(process.env, { PORT: 'eighty', TRIAL_PERIOD_DAYS: '999', DEFAULT_PLAN: 'gold', DATABASE_URL: 'mysql://x', USAGE_TRACKING_ENABLED: 'maybe' });
  t.teardown(() => {
    for (const k of ['PORT', 'TRIAL_PERIOD_DAYS', 'DEFAULT_PLAN', 'DATABASE_URL', 'USAGE_TRACKING_ENABLED']) if (before[k] === undefined) delete process.env[k];
    Object.assign(process.env, before);
  });
  // As `dogan start` reads them: the process environment, no config given.
  const err = (await resolvePlatformConfig({ catalog: firstPartyPlugins }).then(
    () => t.fail('must refuse'),
    (e: unknown) => e,
  )) as { code: string; message: string; extensions: { problems: string[] } };
  t.equal(err.code, 'CONFIG_INVALID');
  t.match(err.message, /PORT must be a whole number, got "eighty"/);
  t.match(err.message, /TRIAL_PERIOD_DAYS must be between 0 and 365, got 999/);
  t.match(err.message, /DEFAULT_PLAN must be one of starter, professional, enterprise, got "gold"/);
  t.match(err.message, /DATABASE_URL must use postgres: or postgresql:/);
  t.match(err.message, /USAGE_TRACKING_ENABLED must be true or false/);
  t.equal(err.extensions.problems.length, 5);
});

t.test("cross-field rules: Stripe needs its key, and only when billing is loaded", async (t) => {
  await t.rejects(platformConfig({ BILLING_PROVIDER: 'stripe' }), { message: /STRIPE_SECRET_KEY must be set when BILLING_PROVIDER=stripe/ });
  await t.resolves(platformConfig({ BILLING_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_x' }));
  await t.resolves(platformConfig({ BILLING_PROVIDER: 'stripe', SANDBOX_MEMORY_MB: 'lots' }, 'tenants,ksa'), 'a plugin that is not loaded requires nothing of its variables');
});

t.test('a .env file applies where the environment has no value', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dogan-env-'));
  const file = join(dir, '.env');
  writeFileSync(file, 'PORT=4100\nLOG_LEVEL=debug\n# comment\nHOST="0.0.0.0"\n');
  const c = loadConfig({ envFile: file, env: { LOG_LEVEL: 'warn' } });
  t.equal(c.PORT, 4100);
  t.equal(c.HOST, '0.0.0.0');
  t.equal(c.LOG_LEVEL, 'warn', 'the process environment wins');
});

t.test('dogan config masks secrets and URL passwords', async (t) => {
  const platform = await platformConfig({ DOGAN_ADMIN_TOKEN: 'a-very-long-admin-token-123456', DATABASE_URL: 'postgresql://dogan:s3cret@db:5432/dogan', BILLING_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_live_abc' });
  const shown = JSON.stringify(describeConfig(platform.values, platform.schema));
  t.notMatch(shown, /a-very-long-admin-token/);
  t.notMatch(shown, /s3cret/);
  t.notMatch(shown, /sk_live_abc/);
  t.match(shown, /postgresql:\/\/dogan:\*+@db:5432\/dogan/);
  t.ok(Object.keys(platform.schema).every((k) => k in describeConfig(platform.values, platform.schema)), 'every variable is shown');
});

t.test('a plugin owns its variables: typed in its context, validated at start with the rest', async (t) => {
  const seen: number[] = [];
  const greeter = definePlugin({
    name: 'greeter',
    version: '1.0.0',
    kernel: '^0.1.0',
    config: { GREETER_REPEAT: int({ description: 'How many times to greet', default: 1, min: 1, max: 5 }) },
    init: (ctx) => void seen.push(ctx.config.GREETER_REPEAT),
  });
  const ok = await resolvePlatformConfig({ config: loadConfig({ envFile: false, env: { GREETER_REPEAT: '3' } }), plugins: [greeter] });
  t.equal(ok.configs.get('greeter')?.['GREETER_REPEAT' as never], 3);
  await t.rejects(resolvePlatformConfig({ config: loadConfig({ envFile: false, env: { GREETER_REPEAT: '9' } }), plugins: [greeter] }), { code: 'CONFIG_INVALID', message: /GREETER_REPEAT must be between 1 and 5, got 9/ });
  const clash = definePlugin({ name: 'clash', version: '1.0.0', kernel: '^0.1.0', config: { PORT: int({ description: 'mine', default: 1, min: 0, max: 9 }) } });
  await t.rejects(resolvePlatformConfig({ config: loadConfig({ envFile: false, env: {} }), plugins: [clash] }), { code: 'PLUGIN_CONFIG_CONFLICT', message: /PORT is declared by both the kernel and plugin "clash"/ });
});
