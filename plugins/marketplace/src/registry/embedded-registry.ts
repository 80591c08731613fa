import { join } from 'node:path';
import { buildRegistryApp, loadRegistryConfig, RegistryClient, type RegistryApp } from '@dogan/marketplace-registry';
import type { MarketplaceConfig as Config } from '../config.js';
import type { FastifyInstance } from 'fastify';
import { injectFetch } from './inject-fetch.js';

export const EMBEDDED_PREFIX = '/registry';

/**
 * The registry the platform installs from: a remote one (DOGAN_REGISTRY_URL), or the registry
 * embedded in this process under /registry (the quick start's single command). Either way the
 * client is the same and verifies every package.
 */
export async function openRegistry(config: Config): Promise<{ embedded?: RegistryApp; client: RegistryClient; setApp(app: FastifyInstance): void }> {
  const cacheDir = join(config.DOGAN_DATA_DIR, 'module-cache');
  if (config.DOGAN_REGISTRY_URL) {
    return { client: new RegistryClient({ baseUrl: config.DOGAN_REGISTRY_URL, cacheDir }), setApp: () => undefined };
  }
  const registryConfig = loadRegistryConfig({
    env: { ...process.env, REGISTRY_DATA_DIR: process.env.REGISTRY_DATA_DIR ?? join(config.DOGAN_DATA_DIR, 'registry'), LOG_LEVEL: config.LOG_LEVEL },
    envFile: false,
  });
  const embedded = await buildRegistryApp({ config: registryConfig });
  let app: FastifyInstance | undefined;
  const client = new RegistryClient({
    baseUrl: `http://embedded${EMBEDDED_PREFIX}/`,
    cacheDir,
    fetch: injectFetch(() => {
      if (!app) throw new Error('the embedded registry is not mounted yet');
      return app;
    }),
  });
  return { embedded, client, setApp: (a) => (app = a) };
}
