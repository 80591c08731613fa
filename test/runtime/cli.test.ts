import t from 'tap';
import { runDogan } from '../helpers/spawn-dogan.js';

t.test('dogan plugins lists load order with versions and dependencies', async (t) => {
  const { code, stdout } = await runDogan(['plugins'], { DOGAN_PLUGINS: './test/fixtures/slow-plugin.ts,platform-info' });
  t.equal(code, 0);
  t.match(stdout, /^kernel 0\.1\.0$/m);
  t.match(stdout, /^slow\s+1\.0\.0$/m);
  t.match(stdout, /^platform-info\s+0\.1\.0$/m);
});

t.test('dogan plugins refuses a broken plugin set with the plugin named', async (t) => {
  const { code, stderr } = await runDogan(['plugins'], { DOGAN_PLUGINS: 'platform-info,platform-info' });
  t.equal(code, 1);
  t.match(stderr, /PLUGIN_DUPLICATE: Plugin "platform-info" is listed twice/);
});

t.test('dogan config prints the resolved config with secrets masked', async (t) => {
  const { code, stdout } = await runDogan(['config'], { DOGAN_ADMIN_TOKEN: 'super-secret-admin-token-value', PORT: '4321' });
  t.equal(code, 0);
  t.match(stdout, /^PORT=4321$/m);
  t.match(stdout, /^DOGAN_ADMIN_TOKEN=\*{8}$/m);
  t.notMatch(stdout, /super-secret/);
});

t.test('a bad variable stops start-up with a message naming it', async (t) => {
  const { code, stderr } = await runDogan(['start'], { PORT: '99999' });
  t.equal(code, 1);
  t.match(stderr, /CONFIG_INVALID: Invalid configuration: PORT must be between 0 and 65535, got 99999/);
});

t.test('an unknown command says how to find the right one', async (t) => {
  const { code, stderr } = await runDogan(['frobnicate']);
  t.equal(code, 2);
  t.match(stderr, /Unknown command "frobnicate". Run "dogan help"/);
});
