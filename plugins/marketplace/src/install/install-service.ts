import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import semver from 'semver';
import { createStep, KERNEL_VERSION, runSteps, StepFailedError, isDoganError } from '@dogan/runtime';
import type { RegistryClient } from '@dogan/marketplace-registry';
import { resolveGrants, type LoadedModule, type ModuleData, type ModuleDataSnapshot, type ModuleInstall, type ModuleRuntime } from '@dogan/plugin-modules';
import type { ModuleManifest } from '@dogan/module-manifest';
import type { NewPlatformEvent, Tenant, TenantsApi } from '@dogan/tenants';
import { installId, ModuleInstallSchema, ModulePurchaseSchema, type InstallOperation, type ModuleInstallRecord } from '../entities.js';
import { MarketplaceErrors } from '../errors.js';
import { moduleEvent } from '../events.js';
import type { ModuleLoader } from './module-loader.js';
import { heldAt, settled, type Claim, type OperationClaims } from './operation-claims.js';
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
  claims: OperationClaims;
  log: Logger;
  retentionDays: number;
  /** True when a paid module may be installed without a purchase (included in the tenant's plan). */
  includedInPlan(tenant: Tenant, moduleId: string): Promise<boolean>;
  /** Ends what the module keeps charging the tenant (a monthly subscription) when it is uninstalled. */
  endCharges(tenant: Tenant, manifest: ModuleManifest): Promise<void>;
}

interface InstallState {
  module?: LoadedModule;
  install?: ModuleInstall;
  before?: ModuleDataSnapshot;
  hooked?: boolean;
  record?: ModuleInstallRecord;
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

const isInstalled = (r: ModuleInstallRecord | null): r is ModuleInstallRecord => r !== null && (r.status === 'installed' || r.status === 'disabled');

function mustBeInstalled(moduleId: string) {
  return (current: ModuleInstallRecord | null) => {
    if (!isInstalled(current)) throw MarketplaceErrors.MODULE_NOT_INSTALLED(moduleId);
  };
}

/** A retention sweep that finds the row changed since it listed it: nothing to purge. */
class NotDue extends Error {}

/**
 * Installs, upgrades, rolls back, enables, disables and uninstalls modules per tenant. Each operation
 * first claims the tenant's module (OperationClaims), so two never overlap on any node; each runs as
 * compensated steps, so a failure leaves the tenant as it was: the previous version running, its
 * grants, settings and data back. A version answers only once the record of it has committed.
 */
export class InstallService {
  /** The refresh running or queued per tenant's module: each waits for the one before, so the last read wins. */
  private readonly refreshing = new Map<string, Promise<void>>();
  /** While a restore runs, refreshes wait for it (its rows may be older than theirs), then run. */
  private restoring: Promise<void> | undefined;
  private readonly refreshAfterRestore = new Set<string>();

  constructor(private readonly deps: InstallDeps) {}

  private em() {
    return this.deps.controlPlane.em.fork();
  }

  /** The stored row, claims included (what an operation in flight has written so far). */
  async record(tenantId: string, moduleId: string): Promise<ModuleInstallRecord | null> {
    return this.em().findOne(ModuleInstallSchema, { id: installId(tenantId, moduleId) });
  }

  async active(tenantId: string, moduleId: string): Promise<ModuleInstallRecord> {
    const record = settled(await this.record(tenantId, moduleId));
    if (!isInstalled(record)) throw MarketplaceErrors.MODULE_NOT_INSTALLED(moduleId);
    return record;
  }

  async list(tenantId: string): Promise<ModuleInstallRecord[]> {
    const rows = await this.em().find(ModuleInstallSchema, { tenantId }, { orderBy: { moduleId: 'asc' } });
    return rows.map((r) => settled(r)).filter((r): r is ModuleInstallRecord => r !== null);
  }

  /** Runs `work` holding the tenant's module; whatever it did not finish is put back as it was. */
  private async claimed<T>(tenant: Tenant, moduleId: string, operation: InstallOperation, check: (current: ModuleInstallRecord | null) => void, work: (claim: Claim) => Promise<T>): Promise<T> {
    const claim = await this.deps.claims.claim(tenant.id, moduleId, operation, check);
    try {
      return await work(claim);
    } finally {
      await this.deps.claims.release(claim).catch((err: unknown) => {
        this.deps.log.error({ err, tenantId: tenant.id, moduleId, operation }, 'could not release a module operation; it ends with its lease');
      });
    }
  }

  /** Puts a module into the sandbox's table for the tenant without running any hook. */
  private activate(tenantId: string, module: LoadedModule, grants: readonly string[], settings: Record<string, unknown>): void {
    this.deps.runtime.activate({ tenantId, module, granted: [...grants], grants: resolveGrants(module, grants), settings: this.deps.codec.decode(module.manifest, settings) });
  }

  private deactivate(tenantId: string, moduleId: string): void {
    const current = this.deps.runtime.installs.delete(tenantId, moduleId);
    if (current) this.deps.runtime.pool.evict(tenantId, current.module.key);
  }

  private async checkDependencies(tenant: Tenant, module: LoadedModule): Promise<void> {
    for (const [dep, range] of Object.entries(module.manifest.dependencies ?? {})) {
      const installed = settled(await this.record(tenant.id, dep));
      if (!isInstalled(installed) || !semver.satisfies(installed.version, range)) {
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
    const notInstalled = (current: ModuleInstallRecord | null) => {
      if (isInstalled(current)) throw MarketplaceErrors.MODULE_ALREADY_INSTALLED(moduleId, current.version);
    };
    const result = await this.claimed(tenant, moduleId, 'install', notInstalled, (claim) => this.installClaimed(tenant, moduleId, input, claim));
    this.deps.log.info({ tenantId: tenant.id, moduleId, version: result.version }, 'module installed');
    return result;
  }

  private async installClaimed(tenant: Tenant, moduleId: string, input: { version?: string; grants: string[]; settings?: unknown }, claim: Claim): Promise<ModuleInstallRecord> {
    const steps = [
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
          const { manifest } = s.module!;
          const settings = this.deps.codec.encode(manifest, input.settings ?? {});
          // Data kept from an earlier install (within retention) must come back as it was if this fails.
          s.before = await this.deps.data.snapshot(tenant, moduleId);
          s.install = await this.deps.runtime.prepareInstall(tenant.id, s.module!.key, input.grants, this.deps.codec.decode(manifest, settings));
          s.hooked = true;
          // The hook runs on an install no route, event or job can reach yet.
          await this.deps.runtime.runHook(s.install, 'install');
          const now = new Date();
          s.record = {
            id: installId(tenant.id, moduleId), tenantId: tenant.id, moduleId, version: manifest.version, previousVersion: null, previousGrants: null,
            grants: [...input.grants], settings, status: 'installed', installedAt: now, updatedAt: now, uninstalledAt: null, purgeAfter: null,
          };
        },
        async (s) => {
          if (!s.hooked) return;
          this.deps.runtime.pool.evict(tenant.id, s.module!.key);
          if (s.before) await this.deps.data.restore(tenant, moduleId, s.before);
        },
      ),
      createStep<InstallState>('record-install', (s) => this.deps.claims.finish(claim, s.record!, [moduleEvent('module.installed', s.record!)])),
      createStep<InstallState>('activate', async (s) => this.deps.runtime.activate(s.install!)),
    ];
    const state: InstallState = {};
    await runSteps(steps, state).catch((err) => unwrap(err, (step, why) => MarketplaceErrors.MODULE_INSTALL_FAILED(moduleId, step, why)));
    return state.record!;
  }

  /**
   * To another version: its hook runs while the module's routes wait (503), then the record commits,
   * then it answers. `discardSecrets` is the tenant's consent to delete secrets the version no longer
   * marks secret.
   */
  async upgrade(tenant: Tenant, moduleId: string, input: { version?: string; grants?: string[]; discardSecrets?: string[] }): Promise<ModuleInstallRecord> {
    return this.claimed(tenant, moduleId, 'upgrade', mustBeInstalled(moduleId), async (claim) => {
      const current = claim.before!;
      const oldModule = await this.deps.loader.load(moduleId, current.version);
      const version = await resolveInstallVersion(this.deps.client, moduleId, input.version);
      if (version === current.version) throw MarketplaceErrors.MODULE_ALREADY_INSTALLED(moduleId, version);
      const module = await this.deps.loader.load(moduleId, version);
      engineCheck(module);
      // New required permissions need the tenant's consent again; what was granted carries over.
      const grants = [...new Set([...current.grants, ...(input.grants ?? [])])].filter((g) => module.manifest.permissions.some((p) => p.name === g));
      checkGrants(module, grants);
      await this.checkDependencies(tenant, module);
      const settings = this.deps.codec.carry(oldModule.manifest, module.manifest, current.settings, input.discardSecrets);
      const install = await this.deps.runtime.prepareInstall(tenant.id, module.key, grants, this.deps.codec.decode(module.manifest, settings));
      const next: ModuleInstallRecord = { ...current, version, previousVersion: current.version, previousGrants: current.grants, grants, settings };
      const release = this.deps.runtime.hold(tenant.id, moduleId);
      try {
        const before = await this.deps.data.snapshot(tenant, moduleId);
        let step = 'run-upgrade-hook';
        try {
          await this.deps.runtime.runHook(install, 'upgrade', { from: current.version });
          step = 'record-upgrade';
          await this.deps.snapshots.save(tenant, moduleId, current.version, before);
          await this.deps.claims.finish(claim, next, [moduleEvent('module.upgraded', next, { previousVersion: current.version })]);
        } catch (err) {
          // The old version, its grants, settings and documents stay.
          this.deps.runtime.pool.evict(tenant.id, module.key);
          await this.deps.data.restore(tenant, moduleId, before);
          if (isDoganError(err) && err.statusCode < 500 && !err.code.startsWith('SANDBOX_')) throw err;
          throw MarketplaceErrors.MODULE_UPGRADE_FAILED(moduleId, version, step, (err as Error).message, current.version);
        }
        if (next.status === 'installed') this.deps.runtime.activate(install);
        return next;
      } finally {
        release();
      }
    });
  }

  /** Back to the version before the last upgrade, with the documents as they were before it. */
  async rollback(tenant: Tenant, moduleId: string, input: { discardSecrets?: string[] } = {}): Promise<ModuleInstallRecord> {
    return this.claimed(tenant, moduleId, 'rollback', mustBeInstalled(moduleId), async (claim) => {
      const current = claim.before!;
      if (!current.previousVersion) throw MarketplaceErrors.MODULE_NO_PREVIOUS_VERSION(moduleId);
      const running = await this.deps.loader.load(moduleId, current.version);
      const previous = await this.deps.loader.load(moduleId, current.previousVersion);
      const settings = this.deps.codec.carry(running.manifest, previous.manifest, current.settings, input.discardSecrets);
      const snapshot = await this.deps.snapshots.load(tenant, moduleId, current.previousVersion);
      const grants = current.previousGrants ?? current.grants;
      const next: ModuleInstallRecord = { ...current, version: current.previousVersion, previousVersion: null, previousGrants: null, grants, settings };
      const release = this.deps.runtime.hold(tenant.id, moduleId);
      try {
        const before = snapshot ? await this.deps.data.snapshot(tenant, moduleId) : undefined;
        try {
          if (snapshot) await this.deps.data.restore(tenant, moduleId, snapshot);
          await this.deps.claims.finish(claim, next, [moduleEvent('module.rolled_back', next, { previousVersion: current.version })]);
        } catch (err) {
          if (before) await this.deps.data.restore(tenant, moduleId, before);
          throw err;
        }
        if (next.status === 'installed') this.activate(tenant.id, previous, grants, settings);
        await this.deps.snapshots.drop(tenant, moduleId);
        return next;
      } finally {
        release();
      }
    });
  }

  async setEnabled(tenant: Tenant, moduleId: string, enabled: boolean): Promise<ModuleInstallRecord> {
    return this.claimed(tenant, moduleId, enabled ? 'enable' : 'disable', mustBeInstalled(moduleId), async (claim) => {
      const current = claim.before!;
      const module = enabled ? await this.deps.loader.load(moduleId, current.version) : undefined;
      const next: ModuleInstallRecord = { ...current, status: enabled ? 'installed' : 'disabled' };
      await this.deps.claims.finish(claim, next, next.status === current.status ? [] : [moduleEvent(enabled ? 'module.enabled' : 'module.disabled', next)]);
      if (module) this.activate(tenant.id, module, current.grants, current.settings);
      else this.deactivate(tenant.id, moduleId);
      return next;
    });
  }

  async putSettings(tenant: Tenant, moduleId: string, input: unknown): Promise<ModuleInstallRecord> {
    return this.claimed(tenant, moduleId, 'settings', mustBeInstalled(moduleId), async (claim) => {
      const current = claim.before!;
      const module = await this.deps.loader.load(moduleId, current.version);
      const next: ModuleInstallRecord = { ...current, settings: this.deps.codec.encode(module.manifest, input, current.settings) };
      const changedSettings = this.changedSettings(module.manifest, current.settings, next.settings);
      await this.deps.claims.finish(claim, next, changedSettings.length > 0 ? [moduleEvent('module.settings_changed', next, { changedSettings })] : []);
      if (current.status === 'installed') {
        this.deactivate(tenant.id, moduleId);
        this.activate(tenant.id, module, current.grants, next.settings);
      }
      return next;
    });
  }

  /** Installed modules of the tenant that declare a dependency on `moduleId`. */
  async dependents(tenantId: string, moduleId: string): Promise<string[]> {
    const out: string[] = [];
    for (const r of await this.list(tenantId)) {
      if (!isInstalled(r) || r.moduleId === moduleId) continue;
      const m = await this.deps.loader.load(r.moduleId, r.version);
      if (moduleId in (m.manifest.dependencies ?? {})) out.push(r.moduleId);
    }
    return out;
  }

  /**
   * Routes, jobs and subscriptions go now, and a monthly charge ends with the current period; data
   * stays for the retention period unless `purge`.
   */
  async uninstall(tenant: Tenant, moduleId: string, options: { purge: boolean }): Promise<void> {
    await this.claimed(tenant, moduleId, options.purge ? 'purge' : 'uninstall', mustBeInstalled(moduleId), async (claim) => {
      const current = claim.before!;
      const dependents = await this.dependents(tenant.id, moduleId);
      if (dependents.length > 0) throw MarketplaceErrors.MODULE_DEPENDED_ON(moduleId, dependents.join(', '));
      const module = await this.deps.loader.load(moduleId, current.version);
      const release = this.deps.runtime.hold(tenant.id, moduleId);
      try {
        if (this.deps.runtime.installs.get(tenant.id, moduleId)) {
          await this.deps.runtime.disableForTenant(tenant.id, moduleId).catch((err: unknown) => {
            this.deps.log.warn({ err, tenantId: tenant.id, moduleId }, 'uninstall hook failed; uninstalling anyway');
          });
        }
        this.deactivate(tenant.id, moduleId);
        try {
          await this.deps.endCharges(tenant, module.manifest);
          const now = new Date();
          const gone: ModuleInstallRecord = { ...current, status: 'uninstalled', uninstalledAt: now, purgeAfter: new Date(now.getTime() + this.deps.retentionDays * 86_400_000) };
          const said = moduleEvent('module.uninstalled', gone, { purged: options.purge });
          if (options.purge) return await this.purgeClaimed(tenant, moduleId, claim, [said]);
          await this.deps.claims.finish(claim, gone, [said]);
        } catch (err) {
          // The record still says installed: so does the sandbox table.
          if (current.status === 'installed') this.activate(tenant.id, module, current.grants, current.settings);
          throw err;
        }
      } finally {
        release();
      }
    });
  }

  /** `events`: what an uninstall with purge says; the retention sweep purges modules already uninstalled, and says nothing. */
  private async purgeClaimed(tenant: Tenant, moduleId: string, claim: Claim, events: readonly NewPlatformEvent[] = []): Promise<void> {
    await this.deps.data.purge(tenant, moduleId);
    await this.deps.snapshots.drop(tenant, moduleId);
    await this.deps.claims.finishByDelete(claim, events);
  }

  /** Names of the settings whose (decrypted) value differs; the values themselves stay here. */
  private changedSettings(manifest: ModuleManifest, before: Record<string, unknown>, after: Record<string, unknown>): string[] {
    const [a, b] = [this.deps.codec.decode(manifest, before), this.deps.codec.decode(manifest, after)];
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
  }

  /** Purges uninstalled modules whose retention has ended (a module reinstalled meanwhile is left alone). */
  async purgeExpired(now = new Date()): Promise<number> {
    const due = await this.em().find(ModuleInstallSchema, { status: 'uninstalled', purgeAfter: { $lte: now } });
    let purged = 0;
    const stillDue = (current: ModuleInstallRecord | null) => {
      if (current?.status !== 'uninstalled' || !current.purgeAfter || new Date(current.purgeAfter).getTime() > now.getTime()) throw new NotDue();
    };
    for (const r of due) {
      const tenant = await this.deps.tenants.tenants.find(r.tenantId);
      if (!tenant) {
        await this.em().nativeDelete(ModuleInstallSchema, { id: r.id, status: 'uninstalled', operationId: r.operationId ?? null });
        continue;
      }
      try {
        await this.claimed(tenant, r.moduleId, 'purge', stillDue, (claim) => this.purgeClaimed(tenant, r.moduleId, claim));
        purged++;
      } catch (err) {
        if (err instanceof NotDue || MarketplaceErrors.MODULE_OPERATION_IN_PROGRESS.is(err)) continue;
        throw err;
      }
    }
    return purged;
  }

  /**
   * At start, and after the event bus was down: every tenant's modules in the sandbox table as the
   * control plane has them (installed ones in, with their version, grants and settings; the others
   * out), no hooks run. Rows an operation holds count as they were last committed.
   */
  async restoreAll(): Promise<void> {
    if (!this.restoring) this.restoring = this.restoreOnce().finally(() => (this.restoring = undefined));
    await this.restoring;
    const waiting = [...this.refreshAfterRestore];
    this.refreshAfterRestore.clear();
    for (const id of waiting) {
      const at = id.indexOf(':');
      await this.refresh(id.slice(0, at), id.slice(at + 1)).catch((err: unknown) => this.deps.log.error({ err, install: id }, 'could not refresh an installed module'));
    }
  }

  private async restoreOnce(): Promise<void> {
    const rows = await this.em().find(ModuleInstallSchema, {});
    for (const r of rows) {
      await this.applyRow(r.tenantId, r.moduleId, settled(r)).catch((err: unknown) => {
        this.deps.log.error({ err, tenantId: r.tenantId, moduleId: r.moduleId }, 'could not restore an installed module');
      });
    }
    const stored = new Set(rows.map((r) => r.id));
    for (const install of this.deps.runtime.installs.all()) {
      if (!stored.has(installId(install.tenantId, install.module.manifest.id))) this.deactivate(install.tenantId, install.module.manifest.id);
    }
  }

  /**
   * Applies an operation made on any node (its `module.*` event) to this node's sandbox table. A row
   * an operation holds right now is left alone: that operation applies its outcome on its own node,
   * and its event brings it to the others.
   */
  async refresh(tenantId: string, moduleId: string): Promise<void> {
    const id = installId(tenantId, moduleId);
    if (this.restoring) return void this.refreshAfterRestore.add(id);
    const next = (this.refreshing.get(id) ?? Promise.resolve()).catch(() => undefined).then(async () => {
      const row = await this.record(tenantId, moduleId);
      const now = new Date();
      if (row && heldAt(row, now)) return;
      await this.applyRow(tenantId, moduleId, settled(row, now));
    });
    this.refreshing.set(id, next);
    try {
      await next;
    } finally {
      if (this.refreshing.get(id) === next) this.refreshing.delete(id);
    }
  }

  private async applyRow(tenantId: string, moduleId: string, row: ModuleInstallRecord | null): Promise<void> {
    const running = this.deps.runtime.installs.get(tenantId, moduleId);
    if (row?.status !== 'installed') {
      if (running) this.deactivate(tenantId, moduleId);
      return;
    }
    const module = await this.deps.loader.load(moduleId, row.version);
    if (running?.module.key === module.key) {
      const settings = this.deps.codec.decode(module.manifest, row.settings);
      if (JSON.stringify(running.granted) === JSON.stringify(row.grants) && JSON.stringify(running.settings) === JSON.stringify(settings)) return;
      // Same version, other grants or settings: its isolates go, so the next call starts with the new ones.
      this.deactivate(tenantId, moduleId);
    }
    // Another version: `activate` disposes the old version's isolates.
    this.activate(tenantId, module, row.grants, row.settings);
  }
}
