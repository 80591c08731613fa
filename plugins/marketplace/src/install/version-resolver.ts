import semver from 'semver';
import type { RegistryClient } from '@dogan/marketplace-registry';
import { KERNEL_VERSION } from '@dogan/runtime';
import { MarketplaceErrors } from '../errors.js';

interface PackageVersions {
  versions: Array<{ version: string; yanked: boolean }>;
}

/**
 * The version a tenant gets: the one asked for (never a yanked one for a new install), or the highest
 * non-yanked version whose engine range this platform satisfies.
 */
export async function resolveInstallVersion(client: RegistryClient, moduleId: string, requested?: string): Promise<string> {
  const pkg = (await client.package(moduleId)) as unknown as PackageVersions;
  const candidates = pkg.versions
    .filter((v) => !v.yanked)
    .map((v) => v.version)
    .filter((v) => (requested ? v === requested || semver.satisfies(v, requested) : true))
    .sort(semver.rcompare);
  for (const version of candidates) {
    const view = await client.version(moduleId, version);
    if (semver.satisfies(KERNEL_VERSION, view.manifest.engine, { includePrerelease: true })) return version;
    if (requested === version) throw MarketplaceErrors.MODULE_ENGINE_INCOMPATIBLE(moduleId, version, view.manifest.engine, KERNEL_VERSION);
  }
  throw MarketplaceErrors.MODULE_VERSION_UNAVAILABLE(moduleId, requested ? `matching "${requested}"` : '', KERNEL_VERSION);
}
