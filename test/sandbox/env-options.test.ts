import t from 'tap';
import { firstPartyPlugins } from '@dogan/distribution';
import { loadConfig, resolvePlatformConfig } from '@dogan/runtime';
import { modulesConfigSchema, sandboxOptionsFromConfig } from '../../plugins/modules/src/config.js';
import { resolveSandboxOptions } from '../../runtime/src/sandbox/index.js';

const platform = (env: Record<string, string>) => resolvePlatformConfig({ config: loadConfig({ envFile: false, env }), catalog: firstPartyPlugins });

t.test('SANDBOX_HOST_RSS_MB sets the host memory ceiling, like the other SANDBOX_* variables', async (t) => {
  t.equal(resolveSandboxOptions().hostRssMb, 2048, 'the default');
  const config = (await platform({ SANDBOX_HOST_RSS_MB: '512' })).configs.get('modules') as never;
  t.equal(resolveSandboxOptions(sandboxOptionsFromConfig(config)).hostRssMb, 512);
  await t.rejects(platform({ SANDBOX_HOST_RSS_MB: '64' }), { code: 'CONFIG_INVALID', message: /SANDBOX_HOST_RSS_MB must be between 128 and 1000000, got 64/ });
  await t.rejects(platform({ SANDBOX_HOST_RSS_MB: 'lots' }), /SANDBOX_HOST_RSS_MB/);
});

t.test("every SANDBOX_* default shown in docs is the sandbox's own default", async (t) => {
  const defaults = resolveSandboxOptions();
  const empty = Object.fromEntries(Object.keys(modulesConfigSchema).map((k) => [k, undefined])) as Record<string, number | undefined>;
  t.same(sandboxOptionsFromConfig(empty as never), {}, 'unset variables leave every default alone');
  for (const [name, spec] of Object.entries(modulesConfigSchema)) {
    if (name === 'SANDBOX_HOSTS') continue; // "one per core"
    if (name === 'SANDBOX_JOB_WALL_MS') {
      // One variable, two defaults: jobs get a minute, install and upgrade hooks half that.
      t.same([defaults.limits.wallMs.job, defaults.limits.wallMs.hook], [60_000, 30_000]);
      t.equal(spec.defaultText, '60000 for jobs, 30000 for hooks');
      continue;
    }
    const set = resolveSandboxOptions(sandboxOptionsFromConfig({ ...empty, [name]: Number(spec.defaultText) } as never));
    t.same(set, defaults, `${name}=${spec.defaultText} is the default`);
  }
});
