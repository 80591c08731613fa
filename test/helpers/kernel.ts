import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildKernel, loadConfig, type Config, type Kernel, type PluginDefinition } from '@dogan/runtime';

/** A config for tests: a throwaway data dir, silent logs, a known admin token; `env` overrides. */
export function testConfig(env: Record<string, string> = {}): Config {
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-test-'));
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
  const kernel = await buildKernel({ config: options.config ?? testConfig(options.env), plugins: options.plugins });
  t.teardown(() => kernel.close());
  return kernel;
}
