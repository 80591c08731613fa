import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstPartyPlugins } from '@dogan/distribution';
import { buildKernel, loadConfig, type Config, type Kernel, type PluginDefinition } from '@dogan/runtime';

// Every test data dir goes when the test process ends, however the test ended.
const tempDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A config for tests: a throwaway data dir, silent logs, a known admin token; `env` overrides. */
export function testConfig(env: Record<string, string> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-test-'));
  tempDirs.add(dataDir);
  return loadConfig({
    envFile: false,
    env: { DOGAN_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DOGAN_ADMIN_TOKEN: TEST_ADMIN_TOKEN, PORT: '0', ...env },
  });
}

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** Builds a kernel with the given plugins (default: the configured first-party ones) and closes it after the test. */
export async function startTestKernel(
  t: { teardown(fn: () => unknown): void },
  options: { plugins?: PluginDefinition[]; env?: Record<string, string>; config?: Config } = {},
): Promise<Kernel> {
  const config = options.config ?? testConfig(options.env);
  const kernel = await buildKernel({ config, plugins: options.plugins, catalog: firstPartyPlugins });
  t.teardown(async () => {
    await kernel.close();
    if (config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  return kernel;
}
