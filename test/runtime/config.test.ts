import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { configSchema, describeConfig, loadConfig } from '@dogan/runtime';

t.test('defaults give a working embedded setup', async (t) => {
  const c = loadConfig({ env: {}, envFile: false });
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

t.test('each bad variable is named with what is wrong, all at once', async (t) => {
  const err = t.throws(() =>
    loadConfig({
      envFile: false,
      env: { PORT: 'eighty', TRIAL_PERIOD_DAYS: '999', DEFAULT_PLAN: 'gold', DATABASE_URL: 'mysql://x', USAGE_TRACKING_ENABLED: 'maybe' },
    }),
  ) as unknown as { code: string; message: string; extensions: { problems: string[] } };
  t.equal(err.code, 'CONFIG_INVALID');
  t.match(err.message, /PORT must be a whole number, got "eighty"/);
  t.match(err.message, /TRIAL_PERIOD_DAYS must be between 0 and 365, got 999/);
  t.match(err.message, /DEFAULT_PLAN must be one of starter, professional, enterprise, got "gold"/);
  t.match(err.message, /DATABASE_URL must use postgres: or postgresql:/);
  t.match(err.message, /USAGE_TRACKING_ENABLED must be true or false/);
  t.equal(err.extensions.problems.length, 5);
});

t.test('cross-field rules: Stripe needs its key', async (t) => {
  t.throws(() => loadConfig({ envFile: false, env: { BILLING_PROVIDER: 'stripe' } }), { message: /STRIPE_SECRET_KEY must be set when BILLING_PROVIDER=stripe/ });
  t.doesNotThrow(() => loadConfig({ envFile: false, env: { BILLING_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_test_x' } }));
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
  const c = loadConfig({
    envFile: false,
    env: { DOGAN_ADMIN_TOKEN: 'a-very-long-admin-token-123456', DATABASE_URL: 'postgresql://dogan:s3cret@db:5432/dogan', BILLING_PROVIDER: 'stripe', STRIPE_SECRET_KEY: 'sk_live_abc' },
  });
  const shown = JSON.stringify(describeConfig(c));
  t.notMatch(shown, /a-very-long-admin-token/);
  t.notMatch(shown, /s3cret/);
  t.notMatch(shown, /sk_live_abc/);
  t.match(shown, /postgresql:\/\/dogan:\*+@db:5432\/dogan/);
  t.ok(Object.keys(configSchema).every((k) => k in describeConfig(c)), 'every variable is shown');
});
