import type { RegistryClient } from '@dogan/marketplace-registry';
import { moduleFromSource, type LoadedModule, type ModuleRuntime } from '@dogan/plugin-modules';
import { BUNDLE_FILE, type ModuleManifest } from '@dogan/module-manifest';

/**
 * Turns a registry release into a module the sandbox can run. Every byte comes from the registry
 * client's `fetchVerified`, so nothing runs that skipped the integrity and signature checks.
 */
export class ModuleLoader {
  constructor(
    private readonly client: RegistryClient,
    private readonly runtime: ModuleRuntime,
  ) {}

  async load(moduleId: string, version: string): Promise<LoadedModule> {
    const key = `${moduleId}@${version}`;
    try {
      return this.runtime.module(key);
    } catch {
      // not registered in this process yet
    }
    const pkg = await this.client.fetchVerified(moduleId, version);
    const code = pkg.files.get(BUNDLE_FILE)?.toString('utf8') ?? '';
    return this.runtime.register(moduleFromSource(pkg.manifest as ModuleManifest, code, key));
  }
}
