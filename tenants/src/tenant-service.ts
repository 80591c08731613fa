import type { MikroORM } from '@mikro-orm/core';
import type { TenantsConfig as Config } from './config.js';
import { isTimeZone } from '@dogan/runtime';
import type { Logger } from 'pino';
import type { ApiKeyService } from './api-keys.js';
import type { DatabaseServer } from './database/database-servers.js';
import type { TenantDatabaseManager } from './database/tenant-database-manager.js';
import { sqlSession } from './database/sql-session.js';
import { migrateTenantDatabase } from './database/tenant-migrations.js';
import { actorFromLabel, type AuditActor, type AuditChanges, type AuditRecorder } from './audit/trail-entry.js';
import { TenantSchema, type Tenant, type TenantStatus } from './entities/tenant.js';
import { TenantErrors } from './errors.js';
import { EventRecorder } from './event-recorder.js';
import { LIFECYCLE_EVENT, tenantEvent } from './events.js';
import { nextStatus, type LifecycleAction } from './lifecycle.js';
import { PLAN_NAMES } from './plans.js';
import { provisionTenant, type ProvisioningDeps } from './provisioning.js';
import { newProvisioningOwner } from './provisioning-lease.js';
import { abandonProvisioning, recoverInterruptedProvisioning, type RecoveryDeps, type RecoveryReport } from './provisioning-recovery.js';
import { slugFromName, validateSubdomain, validateTenantName } from './subdomain.js';
import { TENANT_ID_PATTERN } from './tenant-id.js';

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;
const DIRECTORY_CACHE_MS = 5_000;

export interface CreateTenantInput {
  name: string;
  subdomain?: string;
  plan?: string;
  trialDays?: number;
  databaseServer?: string;
  locale?: string;
  timezone?: string;
  country?: string;
  id?: string;
}

export interface ListTenantsQuery {
  status?: TenantStatus;
  plan?: string;
  limit: number;
  offset: number;
}

export interface SweepReport {
  expired: string[];
  purged: string[];
  /** Interrupted provisionings undone (their process died or their lease ran out). */
  rolledBack: string[];
  failed: Array<{ tenantId: string; action: 'expire' | 'purge' | 'roll-back'; error: string }>;
}

export interface MigrationReport {
  total: number;
  migrated: Array<{ tenantId: string; subdomain: string; applied: string[] }>;
  failed: Array<{ tenantId: string; subdomain: string; error: string }>;
}

/** True when `ref` has the shape of a tenant id or subdomain; anything else is a malformed reference. */
export function isTenantReference(ref: string): boolean {
  return TENANT_ID_PATTERN.test(ref) || SLUG.test(ref);
}

/**
 * The tenants' control plane: look-ups (cached briefly, since every tenant request needs one),
 * creation through provisioning, lifecycle transitions, deletion with a grace period and purge, the
 * trial-expiry and purge sweep, and migrations across tenants. Every change is audited.
 */
export class TenantService {
  private readonly cache = new Map<string, { tenant: Tenant | null; until: number }>();
  /** Who this service's provisionings belong to, for recovery on other nodes (provisioning-lease.ts). */
  private readonly owner = newProvisioningOwner();

  constructor(
    private readonly deps: ProvisioningDeps & { config: Config; log: Logger; apiKeys: ApiKeyService; auditTrail: AuditRecorder },
  ) {}

  get controlPlane(): MikroORM {
    return this.deps.controlPlane;
  }

  get databases(): TenantDatabaseManager {
    return this.deps.databases;
  }

  get servers(): readonly DatabaseServer[] {
    return this.deps.servers;
  }

  private get events(): EventRecorder {
    return this.deps.events ?? EventRecorder.none;
  }

  /** Drops cached look-ups of a tenant after a change made outside this service (or on another node). */
  forget(tenant: Pick<Tenant, 'id' | 'subdomain'>): void {
    const cached = this.cache.get(tenant.id)?.tenant;
    this.cache.delete(tenant.id);
    this.cache.delete(tenant.subdomain);
    // A rename of the subdomain leaves the old one cached under its old name.
    if (cached && cached.subdomain !== tenant.subdomain) this.cache.delete(cached.subdomain);
  }

  /** Drops every cached look-up (the bus was down: changes on other nodes may have been missed). */
  forgetAll(): void {
    this.cache.clear();
  }

  /**
   * Records an action on a tenant in its audit trail (null: the platform's). `actor` is an actor or
   * its label (`platform-admin`, `system:sweep`, `cli`).
   */
  async audit(tenantId: string | null, action: string, actor: string | AuditActor, details?: Record<string, unknown>, changes?: AuditChanges): Promise<void> {
    await this.deps.auditTrail.record({
      tenantId,
      actor: typeof actor === 'string' ? actorFromLabel(actor) : actor,
      action,
      target: tenantId === null ? null : { type: 'tenant', id: tenantId },
      details: details ?? null,
      changes: changes ?? null,
    });
  }

  /** A tenant by id or subdomain, or null; malformed references are refused with TENANT_ID_INVALID. */
  async find(ref: string): Promise<Tenant | null> {
    if (!isTenantReference(ref)) throw TenantErrors.TENANT_ID_INVALID(ref.slice(0, 80));
    const now = Date.now();
    const hit = this.cache.get(ref);
    if (hit && hit.until > now) return hit.tenant;
    const where = TENANT_ID_PATTERN.test(ref) ? { id: ref.toLowerCase() } : { subdomain: ref };
    const tenant = await this.deps.controlPlane.em.fork().findOne(TenantSchema, where, { disableIdentityMap: true });
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(ref, { tenant, until: now + DIRECTORY_CACHE_MS });
    return tenant;
  }

  async get(ref: string): Promise<Tenant> {
    const tenant = await this.find(ref);
    if (!tenant) throw TenantErrors.TENANT_NOT_FOUND(ref);
    return tenant;
  }

  async list(query: ListTenantsQuery): Promise<{ items: Tenant[]; total: number }> {
    const where: Record<string, unknown> = {};
    if (query.status) where.status = query.status;
    if (query.plan) where.plan = query.plan;
    const [items, total] = await this.deps.controlPlane.em
      .fork()
      .findAndCount(TenantSchema, where, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: query.limit, offset: query.offset });
    return { items, total };
  }

  private async uniqueSubdomain(base: string): Promise<string> {
    const em = this.deps.controlPlane.em.fork();
    for (let n = 1; n < 1000; n++) {
      const candidate = n === 1 ? base : `${base.slice(0, 58)}-${n}`;
      if ((await em.count(TenantSchema, { subdomain: candidate })) === 0) return candidate;
    }
    return `${base.slice(0, 50)}-${Date.now().toString(36)}`;
  }

  /** Validates, then provisions; the subdomain is derived from the name when not given. */
  async create(input: CreateTenantInput, actor: string): Promise<Tenant> {
    const name = validateTenantName(input.name);
    const plan = input.plan ?? this.deps.config.DEFAULT_PLAN;
    // The CLI and imports come here without the HTTP schema's check; a tenant's calendar depends on it.
    if (input.timezone !== undefined && !isTimeZone(input.timezone)) throw TenantErrors.TIMEZONE_INVALID(input.timezone.slice(0, 64));
    if (input.locale !== undefined && !['ar', 'en'].includes(input.locale)) throw TenantErrors.TENANT_FIELD_INVALID('locale', 'is "ar" or "en"');
    if (input.country !== undefined && !/^[A-Z]{2}$/.test(input.country)) throw TenantErrors.TENANT_FIELD_INVALID('country', 'is a two-letter ISO 3166 code such as SA');
    if (!PLAN_NAMES.includes(plan)) throw TenantErrors.PLAN_UNKNOWN(plan, PLAN_NAMES.join(', '));
    let subdomain: string;
    if (input.subdomain !== undefined) {
      subdomain = input.subdomain;
      validateSubdomain(subdomain);
    } else {
      subdomain = await this.uniqueSubdomain(slugFromName(name));
    }
    const tenant = await provisionTenant(
      this.deps,
      { ...input, name, subdomain, plan, trialDays: input.trialDays ?? this.deps.config.TRIAL_PERIOD_DAYS },
      this.owner,
      actor,
    );
    this.forget(tenant);
    await this.audit(tenant.id, 'tenant.created', actor, { subdomain, plan, databaseServer: tenant.databaseServer });
    this.deps.log.info({ tenantId: tenant.id, subdomain }, 'tenant provisioned');
    return tenant;
  }

  async update(ref: string, changes: { name?: string; plan?: string; locale?: string; timezone?: string }, actor: string): Promise<Tenant> {
    const id = (await this.get(ref)).id;
    const { tenant, diff } = await this.deps.controlPlane.em.fork().transactional(async (em) => {
      const tenant = await em.findOne(TenantSchema, { id });
      if (!tenant) throw TenantErrors.TENANT_NOT_FOUND(ref);
      const before = { name: tenant.name, plan: tenant.plan, locale: tenant.locale, timezone: tenant.timezone };
      if (changes.name !== undefined) tenant.name = validateTenantName(changes.name);
      if (changes.plan !== undefined) {
        if (!PLAN_NAMES.includes(changes.plan)) throw TenantErrors.PLAN_UNKNOWN(changes.plan, PLAN_NAMES.join(', '));
        tenant.plan = changes.plan;
      }
      if (changes.locale !== undefined) tenant.locale = changes.locale;
      if (changes.timezone !== undefined) {
        if (!isTimeZone(changes.timezone)) throw TenantErrors.TIMEZONE_INVALID(changes.timezone.slice(0, 64));
        tenant.timezone = changes.timezone;
      }
      await em.flush();
      const changed = (Object.keys(before) as Array<keyof typeof before>).filter((k) => before[k] !== tenant[k]);
      if (changed.length > 0) await this.events.record(sqlSession(em), [tenantEvent('tenant.updated', tenant, tenant.status, actor, { changed })]);
      const diff = { before: Object.fromEntries(changed.map((k) => [k, before[k]])), after: Object.fromEntries(changed.map((k) => [k, tenant[k]])) };
      return { tenant, diff };
    });
    this.forget(tenant);
    await this.audit(tenant.id, 'tenant.updated', actor, undefined, diff);
    return tenant;
  }

  /** Applies a lifecycle action, refusing transitions that make no sense. */
  async transition(ref: string, action: LifecycleAction, actor: string): Promise<Tenant> {
    const id = (await this.get(ref)).id;
    const { tenant, from } = await this.deps.controlPlane.em.fork().transactional(async (em) => {
      const tenant = await em.findOne(TenantSchema, { id });
      if (!tenant) throw TenantErrors.TENANT_NOT_FOUND(ref);
      const from = tenant.status;
      tenant.status = nextStatus(action, from, tenant.statusBeforeDeletion);
      if (action === 'delete') {
        tenant.statusBeforeDeletion = from;
        tenant.deletionScheduledAt = new Date(Date.now() + this.deps.config.TENANT_DELETION_GRACE_DAYS * 86_400_000);
      }
      if (action === 'restore') {
        tenant.statusBeforeDeletion = null;
        tenant.deletionScheduledAt = null;
      }
      await em.flush();
      await this.events.record(sqlSession(em), [tenantEvent(LIFECYCLE_EVENT[action], tenant, from, actor)]);
      return { tenant, from };
    });
    this.forget(tenant);
    await this.audit(tenant.id, `tenant.${action}`, actor, undefined, { before: { status: from }, after: { status: tenant.status } });
    return tenant;
  }

  /**
   * DELETE without purge: schedules deletion (restorable during the grace period). A tenant stuck
   * in `provisioning` has nothing to restore: it is rolled back now (null), or refused while a
   * running node still holds its lease.
   */
  async scheduleDeletion(ref: string, actor: string): Promise<Tenant | null> {
    const tenant = await this.fresh(ref);
    if (tenant.status !== 'provisioning') return this.transition(tenant.id, 'delete', actor);
    await this.abandonProvisioning(tenant, actor);
    return null;
  }

  /** Drops the database, revokes keys, runs plugins' `onTenantDeleted` and removes the record. */
  async purge(ref: string, actor: string): Promise<void> {
    const tenant = await this.fresh(ref);
    if (tenant.status === 'provisioning') return this.abandonProvisioning(tenant, actor);
    for (const hooks of this.deps.contributions.tenantHooks()) {
      await hooks.deleted?.(tenant).catch((err: unknown) =>
        this.deps.log.error({ err, tenantId: tenant.id, plugin: hooks.plugin }, 'onTenantDeleted failed; purging anyway'),
      );
    }
    await this.deps.databases.dropDatabase(tenant);
    await this.deps.apiKeys.revokeAllOf(tenant.id);
    await this.deps.controlPlane.em.fork().transactional(async (em) => {
      await em.nativeDelete(TenantSchema, { id: tenant.id });
      await this.events.record(sqlSession(em), [tenantEvent('tenant.deleted', tenant, tenant.status, actor, { purged: true })]);
    });
    this.forget(tenant);
    await this.audit(tenant.id, 'tenant.purged', actor, { subdomain: tenant.subdomain });
  }

  /** The record as stored now, bypassing the look-up cache (decisions on `provisioning` need its lease). */
  private async fresh(ref: string): Promise<Tenant> {
    const tenant = await this.deps.controlPlane.em.fork().findOne(TenantSchema, { id: (await this.get(ref)).id }, { disableIdentityMap: true });
    if (!tenant) throw TenantErrors.TENANT_NOT_FOUND(ref);
    return tenant;
  }

  private get recoveryDeps(): RecoveryDeps {
    return { ...this.deps, owner: this.owner, audit: (tenantId, action, actor, details) => this.audit(tenantId, action, actor, details) };
  }

  private async abandonProvisioning(tenant: Tenant, actor: string): Promise<void> {
    await abandonProvisioning(this.recoveryDeps, tenant, actor);
    this.forget(tenant);
  }

  /**
   * Rolls back provisionings that nobody runs any more (at start-up, and in every sweep): their
   * process died, or their lease ran out. Never throws: a failure is logged and retried next sweep.
   */
  async recoverProvisioning(actor: string, now = new Date()): Promise<RecoveryReport> {
    try {
      const report = await recoverInterruptedProvisioning(this.recoveryDeps, actor, now);
      // Look-ups cached a moment ago may still show the records just removed.
      if (report.rolledBack.length > 0) this.cache.clear();
      return report;
    } catch (err) {
      this.deps.log.error({ err }, 'looking for interrupted provisionings failed');
      return { rolledBack: [], failed: [] };
    }
  }

  /**
   * Expires ended trials, purges tenants whose deletion grace has passed and rolls back interrupted
   * provisionings. One tenant that fails (its database server down, its status changed meanwhile) is
   * reported and logged; the others are still swept, and the next sweep tries it again. The plugin
   * runs it once per cluster per TENANT_SWEEP_INTERVAL_MS (the `tenant_sweep` scheduled job).
   */
  async sweep(now = new Date()): Promise<SweepReport> {
    const em = this.deps.controlPlane.em.fork();
    const recovery = await this.recoverProvisioning('system:sweep', now);
    const report: SweepReport = {
      expired: [],
      purged: [],
      rolledBack: recovery.rolledBack,
      failed: recovery.failed.map((f) => ({ ...f, action: 'roll-back' as const })),
    };
    const attempt = async (tenantId: string, action: 'expire' | 'purge', run: () => Promise<unknown>) => {
      try {
        await run();
        (action === 'expire' ? report.expired : report.purged).push(tenantId);
      } catch (err) {
        report.failed.push({ tenantId, action, error: (err as Error)?.message ?? String(err) });
        this.deps.log.error({ err, tenantId, action }, 'tenant sweep failed for one tenant');
      }
    };
    for (const t of await em.find(TenantSchema, { status: 'trial', trialEndsAt: { $lte: now } })) {
      await attempt(t.id, 'expire', () => this.transition(t.id, 'expire', 'system:sweep'));
    }
    for (const t of await em.find(TenantSchema, { status: 'pending_deletion', deletionScheduledAt: { $lte: now } })) {
      await attempt(t.id, 'purge', () => this.purge(t.id, 'system:sweep'));
    }
    return report;
  }

  /**
   * Runs pending tenant migrations over every tenant with bounded concurrency. A failing tenant is
   * reported and the others still migrate; each tenant is all-or-nothing, so a rerun resumes.
   */
  async migrateAll(options: { concurrency: number; onProgress?: (done: number, total: number, tenant: Tenant, error?: unknown) => void }): Promise<MigrationReport> {
    const tenants = (await this.deps.controlPlane.em.fork().find(TenantSchema, { status: { $ne: 'provisioning' } }, { orderBy: { createdAt: 'asc' } }));
    const migrations = this.deps.contributions.tenantMigrations();
    const report: MigrationReport = { total: tenants.length, migrated: [], failed: [] };
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < tenants.length) {
        const tenant = tenants[next++]!;
        let error: unknown;
        try {
          const applied = await migrateTenantDatabase(await this.deps.databases.orm(tenant), this.deps.databases.dialect, migrations);
          report.migrated.push({ tenantId: tenant.id, subdomain: tenant.subdomain, applied });
        } catch (err) {
          error = err;
          const which = (err as { migration?: string }).migration;
          report.failed.push({ tenantId: tenant.id, subdomain: tenant.subdomain, error: `${which ? which + ': ' : ''}${(err as Error).message}` });
        }
        options.onProgress?.(++done, tenants.length, tenant, error);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, tenants.length)) }, worker));
    return report;
  }
}
