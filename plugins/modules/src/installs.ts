import type { ResolvedGrants } from '@dogan/runtime/sandbox';
import type { LoadedModule } from './loaded-module.js';

/** A module enabled for a tenant: which version, what was granted, its settings. */
export interface ModuleInstall {
  readonly tenantId: string;
  readonly module: LoadedModule;
  /** Names of the granted permissions. */
  readonly granted: readonly string[];
  readonly grants: ResolvedGrants;
  readonly settings: unknown;
}

/**
 * Installed modules per tenant, in memory until the marketplace issue persists installs; it is one
 * small class so that issue can replace it with a table-backed one.
 */
export class InstallRegistry {
  private readonly byTenant = new Map<string, Map<string, ModuleInstall>>();

  get(tenantId: string, moduleId: string): ModuleInstall | undefined {
    return this.byTenant.get(tenantId)?.get(moduleId);
  }

  set(install: ModuleInstall): void {
    let forTenant = this.byTenant.get(install.tenantId);
    if (!forTenant) this.byTenant.set(install.tenantId, (forTenant = new Map()));
    forTenant.set(install.module.manifest.id, install);
  }

  delete(tenantId: string, moduleId: string): ModuleInstall | undefined {
    const install = this.get(tenantId, moduleId);
    this.byTenant.get(tenantId)?.delete(moduleId);
    return install;
  }

  forTenant(tenantId: string): ModuleInstall[] {
    return [...(this.byTenant.get(tenantId)?.values() ?? [])];
  }

  all(): ModuleInstall[] {
    return [...this.byTenant.values()].flatMap((m) => [...m.values()]);
  }
}
