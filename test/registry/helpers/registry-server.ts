import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStandaloneRegistry, loadRegistryConfig, type StandaloneRegistry } from '@dogan/marketplace-registry';

export const TEST_REGISTRY_ADMIN_TOKEN = 'test-registry-admin-token-0123456789';

export interface TestRegistry extends StandaloneRegistry {
  /** Base URL including the prefix, ending with a slash. */
  readonly url: string;
  readonly dataDir: string;
}

/** A standalone registry on a free port with a throwaway data dir, closed after the test. */
export async function startTestRegistry(
  t: { teardown(fn: () => unknown): void },
  options: { env?: Record<string, string>; prefix?: string } = {},
): Promise<TestRegistry> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-registry-test-'));
  const config = loadRegistryConfig({
    envFile: false,
    env: { REGISTRY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', REGISTRY_ADMIN_TOKEN: TEST_REGISTRY_ADMIN_TOKEN, ...options.env },
  });
  const server = await buildStandaloneRegistry({ config, prefix: options.prefix });
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  t.teardown(() => server.close());
  return { ...server, url: `${address}${options.prefix ?? ''}/`, dataDir };
}
