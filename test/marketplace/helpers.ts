import { createPrivateKey } from 'node:crypto';
import type { Kernel, PluginDefinition } from '@dogan/runtime';
import type { SandboxOptionsInput } from '@dogan/runtime/sandbox';
import tenantsPlugin, { tenantsApiRef, type TenantsApi } from '@dogan/tenants';
import { generatePublisherKeyPair, sha512Integrity, signRelease, type ModuleManifest } from '@dogan/module-manifest';
import { buildPackageArchive } from '@dogan/sdk';
import marketplacePlugin, { marketplaceApiRef, type MarketplaceApi } from '../../plugins/marketplace/src/index.js';
import { createModulesPlugin } from '../../plugins/modules/src/index.js';
import type { TestEngine } from '../helpers/engines.js';
import { startTestKernel } from '../helpers/kernel.js';

export interface MarketKernel {
  kernel: Kernel;
  api: MarketplaceApi;
  tenants: TenantsApi;
  /** Signs and publishes a module version to the embedded registry as its id's publisher. */
  publish(manifest: ModuleManifest, code: string): Promise<void>;
}

/**
 * A kernel with tenants, modules (one sandbox host) and the marketplace with its embedded registry;
 * `sandbox` overrides sandbox options (e.g. a short hook deadline).
 */
export async function startMarketKernel(
  t: { teardown(fn: () => unknown): void },
  env: Record<string, string> = {},
  extraPlugins: PluginDefinition[] = [],
  engine?: TestEngine,
  sandbox: SandboxOptionsInput = {},
): Promise<MarketKernel> {
  const plugins = [tenantsPlugin, ...extraPlugins, createModulesPlugin({ sandbox: { hosts: 1, ...sandbox } }), marketplacePlugin];
  const kernel = await startTestKernel(t, engine ? { plugins, config: engine.config(env) } : { plugins, env });
  return { kernel, api: kernel.host.service(marketplaceApiRef), tenants: kernel.host.service(tenantsApiRef), publish: publisherOf(kernel) };
}

/** Signs and publishes module versions to a kernel's embedded registry (for kernels built elsewhere, e.g. with billing). */
export function publisherOf(kernel: Kernel): MarketKernel['publish'] {
  const registry = kernel.host.service(marketplaceApiRef).embeddedRegistry!;
  // Registries bind a key to one publisher, so each publisher of the test gets its own.
  const keys = new Map<string, ReturnType<typeof generatePublisherKeyPair>>();
  const publisherNamed = async (name: string) => {
    let key = keys.get(name);
    if (!key) keys.set(name, (key = generatePublisherKeyPair()));
    let found = await registry.orm.em.fork().findOne('Publisher', { name });
    if (!found) {
      await registry.publishers.create(name, name);
      found = await registry.orm.em.fork().findOne('Publisher', { name });
    }
    const view = await registry.publishers.view(name);
    if (!view.keys.some((k: { keyId: string }) => k.keyId === key.keyId)) await registry.publishers.addKey(name, key.publicKeyPem);
    return { publisher: found, key };
  };
  return async (manifest, code) => {
    const { archive } = await buildPackageArchive({ manifest, bundle: Buffer.from(code), readme: Buffer.from(`# ${manifest.name.en}\n`) });
    const { publisher, key } = await publisherNamed(manifest.id.split('.')[0]!);
    const signature = signRelease(createPrivateKey(key.privateKeyPem), sha512Integrity(archive), manifest);
    await registry.publishing.publish({ publisher: publisher as never, id: manifest.id, version: manifest.version, tarball: archive, signature, keyId: key.keyId });
  };
}

const text = (en: string) => ({ en, ar: en });

/** A manifest with sensible defaults; override what a test is about. */
export function manifest(overrides: Partial<ModuleManifest> & Pick<ModuleManifest, 'id' | 'version'>): ModuleManifest {
  return {
    engine: '^0.1.0',
    name: text(overrides.id),
    description: text(`${overrides.id} for tests`),
    category: 'productivity',
    pricing: { model: 'free' },
    permissions: [{ name: 'store', kind: 'storage', required: true, description: { en: 'Keep tasks', ar: 'حفظ المهام' } }],
    collections: [],
    routes: [],
    events: [],
    jobs: [],
    agentTools: [],
    dependencies: {},
    ...overrides,
  };
}
