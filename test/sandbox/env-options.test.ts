import t from 'tap';
import { configSchema, loadConfig } from '@dogan/runtime';
import { resolveSandboxOptions, sandboxOptionsFromEnv, SANDBOX_VARIABLES } from '../../runtime/src/sandbox/index.js';

t.test('SANDBOX_HOST_RSS_MB sets the host memory ceiling, like the other SANDBOX_* variables', async (t) => {
  t.equal(resolveSandboxOptions().hostRssMb, 2048, 'the default');
  t.equal(resolveSandboxOptions(sandboxOptionsFromEnv({ SANDBOX_HOST_RSS_MB: '512' })).hostRssMb, 512);
  t.throws(() => sandboxOptionsFromEnv({ SANDBOX_HOST_RSS_MB: '64' }), /SANDBOX_HOST_RSS_MB: must be an integer from 128/);
  t.ok(SANDBOX_VARIABLES.includes('SANDBOX_HOST_RSS_MB'), 'the modules plugin reads it from the config');
  t.ok('SANDBOX_HOST_RSS_MB' in configSchema, 'the config schema validates it at start');
  t.throws(() => loadConfig({ envFile: false, env: { SANDBOX_HOST_RSS_MB: 'lots' } }), /SANDBOX_HOST_RSS_MB/);
});
