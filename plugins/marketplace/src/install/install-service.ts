import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import semver from 'semver';
import { createStep, KERNEL_VERSION, runSteps, StepFailedError, isDoganError } from '@dogan/runtime';
import type { RegistryClient } from '@dogan/marketplace-registry';
import { resolveGrants, type LoadedModule, type ModuleRuntime } from '@dogan/plugin-modules';
import type { Tenant, TenantsApi } from '@dogan/tenants';
import { installId, ModuleInstallSchema, ModulePurchaseSchema, type ModuleInstallRecord } from '../entities.js';
import { MarketplaceErrors } from '../errors.js';
import type { ModuleData, ModuleDataSnapshot } from './module-data.js';
import type { ModuleLoader } from './module-loader.js';
import type { SettingsCodec } from './settings-codec.js';
import { resolveInstallVersion } from './version-resolver.js';
import type { SnapshotStore } from './snapshot-store.js';

export interface InstallDeps {
  controlPlane: MikroORM;
  tenants: TenantsApi;
  runtime: ModuleRuntime;
  client: RegistryClient;
  loader: ModuleLoader;
  data: ModuleData;
  snapshots: SnapshotStore;
  codec: SettingsCodec;
  log: Logger;
  retentionDays: number;
  /** True when a paid module may be installed without a purchase (included in the tenant's plan). */
  includedInPlan(tenant: Tenant, moduleId: string): Promise<boolean>;
}

interface InstallState {
  record?: ModuleInstallRecord | null;
  module?: LoadedModule;
  before?: ModuleDataSnapshot;
  enabled?: boolean;
}

/** Required permissions not granted, and granted names the module never asked for. */
export function checkGrants(module: LoadedModule, grants: readonly string[]): void {
  const id = module.manifest.id;
  const unknown = grants.filter((g) => !module.manifest.permissions.some((p) => p.name === g));
  if (unknown.length > 0) throw MarketplaceErrors.MODULE_GRANT_UNKNOWN(id, unknown.join(', '));
  const missing = module.manifest.permissions.filter((p) => p.required && !grants.includes(p.name)).map((p) => p.name);
  if (missing.length > 0) throw MarketplaceErrors.MODULE_GRANTS_MISSING.with({ missing }, id, missing.join(', '));
}

function engineCheck(module: LoadedModule): void {
  const { id, version, engine } = module.manifest;
  if (!semver.satisfies(KERNEL_VERSION, engine, { includePrerelease: true })) {
    throw MarketplaceErrors.MODULE_ENGINE_INCOMPATIBLE(id, version, engine, KERNEL_VERSION);
  }
}

/**
 * Coded errors (refusals, registry trust failures such as MODULE_INTEGRITY_MISMATCH) pass through
 * unchanged; a module's own failure in its hook, or anything unexpected, is reported with the step.
 */
function unwrap(err: unknown, wrap: (step: string, message: string) => Error): never {
  if (err instanceof StepFailedError) {
    if (isDoganError(err.cause) && !err.cause.code.startsWith('SANDBOX_')) throw err.cause;
    throw wrap(err.step, (err.cause as Error)?.message ?? String(err.cause));
  }
  throw err;
}

/**
 * Installs, upgrades, rolls back, enables, disables and uninstalls modules per tenant. Every
 * operation runs as compensated steps, so a failure leaves the tenant as it was: the previous
 * version running, its grants, settings and data back.
 */
export class InstallService {
  constructor(private readonly deps: InstallDeps) {}

  private em() {
    return this.deps.controlPlane.em.fork();
  }

  async record(tenantId: string, moduleId: string): Promise<ModuleInstallRecord | null> {
    return this.em().findOne(ModuleInstallSchema, { id: installId(tenantId, moduleId) });
  }

  async active(tenantId: string, moduleId: string): Promise<ModuleInstallRecord> {
    const record = await this.record(tenantId, moduleId);
    if (!record || record.status === 'uninstalled') throw MarketplaceErrors.MODULE_NOT_INSTALLED(moduleId);
    return record;
  }

  async list(tenantId: string): Promise<ModuleInstallRecord[]> {
    return this.em().find(ModuleInstallSchema, { tenantId }, { orderBy: { moduleId: 'asc' } });
  }

  private async save(record: ModuleInstallRecord): Promise<void> {
    await this.em().upsert(ModuleInstallSchema, { ...record, updatedAt: new Date() });
  }

  /** Puts a module into the sandbox's table for the tenant without running any hook. */
  private activate(tenantId: string, module: LoadedModule, grants: readonly string[], settings: Record<string, unknown>): void {
    this.deps.runtime.installs.set({ tenantId, module, granted: [...grants], grants: resolveGrants(module, grants), settings: this.deps.codec.decode(module.manifest, settings) });
  }

  private deactivate(tenantId: string, moduleId: string): void {
    const current = this.deps.runtime.installs.delete(tenantId, moduleId);
    if (current) this.deps.runtime.pool.evict(tenantId, current.module.key);
  }

  private async checkDependencies(tenant: Tenant, module: LoadedModule): Promise<void> {
    for (const [dep, range] of Object.entries(module.manifest.dependencies ?? {})) {
      const installed = await this.record(tenant.id, dep);
      if (!installed || installed.status === 'uninstalled' || !semver.satisfies(installed.version, range)) {
        throw MarketplaceErrors.MODULE_DEPENDENCY_MISSING(module.manifest.id, dep, range);
      }
    }
  }

  private async checkPurchased(tenant: Tenant, module: LoadedModule): Promise<void> {
    if (module.manifest.pricing.model === 'free' || (await this.deps.includedInPlan(tenant, module.manifest.id))) return;
    const bought = await this.em().count(ModulePurchaseSchema, { tenantId: tenant.id, moduleId: module.manifest.id });
    if (bought === 0) throw MarketplaceErrors.MODULE_NOT_PURCHASED(module.manifest.id, module.manifest.id);
  }

  async install(tenant: Tenant, moduleId: string, input: { version?: string; grants: string[]; settings?: unknown }): Promise<ModuleInstallRecord> {
    const state: InstallState = {};
    let result!: ModuleInstallRecord;
    const steps = [
      createStep<InstallState>('check-current', async (s) => {
        s.record = await this.record(tenant.id, moduleId);
        if (s.record && s.record.status !== 'uninstalled') throw MarketplaceErrors.MODULE_ALREADY_INSTALLED(moduleId, s.record.version);
      }),
      createStep<InstallState>('download-and-verify', async (s) => {
        const version = await resolveInstallVersion(this.deps.client, moduleId, input.version);
        s.module = await this.deps.loader.load(moduleId, version);
        engineCheck(s.module);
      }),
      createStep<InstallState>('check-purchase-grants-dependencies', async (s) => {
        await this.checkPurchased(tenant, s.module!);
        checkGrants(s.module!, input.grants);
        await this.checkDependencies(tenant, s.module!);
      }),
      createStep<InstallState>(
        'run-install-hook',
        async (s) => {
          const settings = this.deps.codec.encode(s.module!.manifest, input.settings ?? {});
          // Data kept from an earlier install (within retention) must come back as it was if this fails.
          s.before = await this.deps.data.snapshot(tenant, moduleId);
          s.enabled = true;
          await this.deps.runtime.enableForTenant(tenant.id, s.module!.key, input.grants, this.deps.codec.decode(s.module!.manifest, settings));
          result = {
            id: installId(tenant.id, moduleId),
            tenantId: tenant.id,
            moduleId,
            version: s.module!.manifest.version,
            previousVersion: null,
            previousGrants: null,
            grants: [...input.grants],
            settings,
            status: 'installed',
            installedAt: new Date(),
            updatedAt: new Date(),
            uninstalledAt: null,
            purgeAfter: null,
          };
        },
        async (s) => {
          if (!s.enabled) return;
          this.deactivate(tenant.id, moduleId);
          if (s.before) await this.deps.data.restore(tenant, moduleId, s.before);
        },
      ),
      createStep<InstallState>('record-install', async () => this.save(result)),
    ];
    await runSteps(steps, state).catch((err) => unwrap(err, (step, why) => MarketplaceErrors.MODULE_INSTALL_FAILED(moduleId, step, why)));
    this.deps.log.info({ tenantId: tenant.id, moduleId, version: result.version }, 'module installed');
    return result;
  }

  async upgrade(tenant: Tenant, moduleId: string, input: { version?: string; grants?: string[] }): Promise<ModuleInstallRecord> {
    const current = await this.active(tenant.id, moduleId);
    const oldModule = await this.deps.loader.load(moduleId, current.version);
    const version = await resolveInstallVersion(this.deps.client, moduleId, input.version);
    if (version === current.version) throw MarketplaceErrors.MODULE_ALREADY_INSTALLED(moduleId, version);
    const module = await this.deps.loader.load(moduleId, version);
    engineCheck(module);
    // New required permissions need the tenant's consent again; what was granted carries over.
    const grants = [...new Set([...current.grants, ...(input.grants ?? [])])].filter((g) => module.manifest.permissions.some((p) => p.name === g));
    checkGrants(module, grants);
    await this.checkDependencies(tenant, module);
    const settings = this.deps.codec.encode(module.manifest, this.deps.codec.decode(oldModule.manifest, current.settings), current.settings);
    const before = await this.deps.data.snapshot(tenant, moduleId);
    try {
      await this.deps.runtime.enableForTenant(tenant.id, module.key, grants, this.deps.codec.decode(module.manifest, settings));
    } catch (err) {
      // The upgrade hook failed: the old version, its grants, settings and documents come back.
      this.deactivate(tenant.id, moduleId);
      await this.deps.data.restore(tenant, moduleId, before);
      this.activate(tenant.id, oldModule, current.grants, current.settings);
      if (isDoganError(err) && err.statusCode < 500 && !err.code.startsWith('SANDBOX_')) throw err;
      throw MarketplaceErrors.MODULE_UPGRADE_FAILED(moduleId, version, 'run-upgrade-hook', (err as Error).message, current.version);
    }
    await this.deps.snapshots.save(tenant, moduleId, current.version, before);
    const next: ModuleInstallRecord = { ...current, version, previousVersion: current.version, previousGrants: current.grants, grants, settings, status: 'installed' };
    await this.save(next);
    return next;
  }

  /** Back to the version before the last upgrade, with the documents as they were before it. */
  async rollback(tenant: Tenant, moduleId: string): Promise<ModuleInstallRecord> {
    const current = await this.active(tenant.id, moduleId);
    if (!current.previousVersion) throw MarketplaceErrors.MODULE_NO_PREVIOUS_VERSION(moduleId);
    const previous = await this.deps.loader.load(moduleId, current.previousVersion);
    const snapshot = await this.deps.snapshots.load(tenant, moduleId, current.previousVersion);
    this.deactivate(tenant.id, moduleId);
    if (snapshot) await this.deps.data.restore(tenant, moduleId, snapshot);
    const grants = current.previousGrants ?? current.grants;
    this.activate(tenant.id, previous, grants, current.settings);
    const next: ModuleInstallRecord = { ...current, version: current.previousVersion, previousVersion: null, previousGrants: null, grants, status: 'installed' };
    await this.save(next);
    await this.deps.snapshots.drop(tenant, moduleId);
    return next;
  }

  async setEnabled(tenant: Tenant, moduleId: string, enabled: boolean): Promise<ModuleInstallRecord> {
    const current = await this.active(tenant.id, moduleId);
    if (enabled) this.activate(tenant.id, await this.deps.loader.load(moduleId, current.version), current.grants, current.settings);
    else this.deactivate(tenant.id, moduleId);
    const next: ModuleInstallRecord = { ...current, status: enabled ? 'installed' : 'disabled' };
    await this.save(next);
    return next;
  }

  async putSettings(tenant: Tenant, moduleId: string, input: unknown): Promise<ModuleInstallRecord> {
    const current = await this.active(tenant.id, moduleId);
    const module = await this.deps.loader.load(moduleId, current.version);
    const settings = this.deps.codec.encode(module.manifest, input, current.settings);
    const next: ModuleInstallRecord = { ...current, settings };
    await this.save(next);
    if (current.status === 'installed') {
      this.deactivate(tenant.id, moduleId);
      this.activate(tenant.id, module, current.grants, settings);
    }
    return next;
  }

  /** Installed modules of the tenant that declare a dependency on `moduleId`. */
  async dependents(tenantId: string, moduleId: string): Promise<string[]> {
    const out: string[] = [];
    for (const r of await this.list(tenantId)) {
      if (r.status === 'uninstalled' || r.moduleId === moduleId) continue;
      const m = await this.deps.loader.load(r.moduleId, r.version);
      if (moduleId in (m.manifest.dependencies ?? {})) out.push(r.moduleId);
    }
    return out;
  }

  /** Routes, jobs and subscriptions go now; data stays for the retention period unless `purge`. */
  async uninstall(tenant: Tenant, moduleId: string, options: { purge: boolean }): Promise<void> {
    const current = await this.active(tenant.id, moduleId);
    const dependents = await this.dependents(tenant.id, moduleId);
    if (dependents.length > 0) throw MarketplaceErrors.MODULE_DEPENDED_ON(moduleId, dependents.join(', '));
    if (current.status === 'installed') {
      await this.deps.runtime.disableForTenant(tenant.id, moduleId).catch((err: unknown) => {
        this.deps.log.warn({ err, tenantId: tenant.id, moduleId }, 'uninstall hook failed; uninstalling anyway');
      });
    }
    this.deactivate(tenant.id, moduleId);
    if (options.purge) return this.purge(tenant, moduleId);
    const now = new Date();
    await this.save({ ...current, status: 'uninstalled', uninstalledAt: now, purgeAfter: new Date(now.getTime() + this.deps.retentionDays * 86_400_000) });
  }

  async purge(tenant: Tenant, moduleId: string): Promise<void> {
    await this.deps.data.purge(tenant, moduleId);
    await this.deps.snapshots.drop(tenant, moduleId);
    await this.em().nativeDelete(ModuleInstallSchema, { id: installId(tenant.id, moduleId) });
  }

  /** Purges uninstalled modules whose retention has ended. */
  async purgeExpired(now = new Date()): Promise<number> {
    const due = await this.em().find(ModuleInstallSchema, { status: 'uninstalled', purgeAfter: { $lte: now } });
    for (const r of due) {
      const tenant = await this.deps.tenants.tenants.find(r.tenantId);
      if (tenant) await this.purge(tenant, r.moduleId);
      else await this.em().nativeDelete(ModuleInstallSchema, { id: r.id });
    }
    return due.length;
  }

  /** At start: every installed (not disabled) module goes back into the sandbox table, no hooks run. */
  async restoreAll(): Promise<void> {
    for (const r of await this.em().find(ModuleInstallSchema, { status: 'installed' })) {
      try {
        this.activate(r.tenantId, await this.deps.loader.load(r.moduleId, r.version), r.grants, r.settings);
      } catch (err) {
        this.deps.log.error({ err, tenantId: r.tenantId, moduleId: r.moduleId }, 'could not restore an installed module');
      }
    }
  }
}
