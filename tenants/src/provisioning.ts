import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { createStep, isDoganError, runSteps, StepFailedError, type PluginContributions, type Step, type TenantHooks } from '@dogan/runtime';
import { leastLoadedServer, tenantDatabaseName, type DatabaseServer } from './database/database-servers.js';
import { sqlSession } from './database/sql-session.js';
import type { TenantDatabaseManager } from './database/tenant-database-manager.js';
import { migrateTenantDatabase } from './database/tenant-migrations.js';
import { TenantSchema, type Tenant } from './entities/tenant.js';
import { TenantErrors } from './errors.js';
import type { EventRecorder } from './event-recorder.js';
import { tenantEvent } from './events.js';
import { faultPoint } from './fault-injection.js';
import { leaseLost, leaseUntil, ProvisioningLease } from './provisioning-lease.js';

export interface ProvisioningDeps {
  controlPlane: MikroORM;
  databases: TenantDatabaseManager;
  servers: readonly DatabaseServer[];
  /** What the loaded plugins contribute: tenant migrations and tenant hooks. */
  contributions: PluginContributions;
  /** Platform events (`tenant.created`), when an events plugin is loaded. */
  events?: EventRecorder;
}

export interface NewTenant {
  name: string;
  subdomain: string;
  plan: string;
  trialDays: number;
  /** A configured PostgreSQL server to place the database on; default: the least loaded. */
  databaseServer?: string;
  locale?: string;
  timezone?: string;
  country?: string;
  /** Keep this id (imports); default: a new UUID. */
  id?: string;
}

/** Everything the steps share; recovery rebuilds it from the record of an interrupted run. */
export interface ProvisioningState {
  tenant: Tenant;
  /** This process's hold on the record; every step that has something to undo is recorded through it. */
  lease: ProvisioningLease;
  hooked: TenantHooks[];
  /** Set once the record is ours: compensation must never delete a record another creation made. */
  reserved: boolean;
  /** Set when we start creating the database: compensation must never drop one that existed before. */
  creatingDatabase: boolean;
  /** Set when dropping our database failed: the record then stays, so that recovery drops it later. */
  databaseLeftBehind: boolean;
  /** Who asked for the tenant, for its `tenant.created` event. */
  actor?: string;
}

async function choosePlacement(deps: ProvisioningDeps, requested: string | undefined): Promise<string> {
  if (deps.servers.length === 0) {
    if (requested && requested !== 'sqlite') throw TenantErrors.DATABASE_SERVER_UNKNOWN(requested, 'sqlite (embedded mode)');
    return 'sqlite';
  }
  if (requested) {
    if (!deps.servers.some((s) => s.name === requested)) throw TenantErrors.DATABASE_SERVER_UNKNOWN(requested, deps.servers.map((s) => s.name).join(', '));
    return requested;
  }
  const rows = (await deps.controlPlane.em
    .fork()
    .getConnection()
    .execute('SELECT database_server AS server, COUNT(*) AS n FROM tenants GROUP BY database_server')) as Array<{ server: string; n: number | string }>;
  return leastLoadedServer(deps.servers, new Map(rows.map((r) => [r.server, Number(r.n)]))).name;
}

/**
 * A provisioning step: records that the run reached it when it has something to undo (so recovery
 * after a crash undoes exactly that much), and offers the test-only fault points around it.
 */
function step(name: string, invoke: Step<ProvisioningState>['invoke'], compensate?: Step<ProvisioningState>['compensate']): Step<ProvisioningState> {
  return createStep<ProvisioningState>(
    name,
    async (s) => {
      if (compensate && s.reserved) await s.lease.mark(name);
      faultPoint(name, 'before');
      await invoke(s);
      faultPoint(name, 'after');
    },
    compensate,
  );
}

/**
 * The steps of provisioning, each with its compensation: reserve the record (status `provisioning`,
 * which also claims the subdomain; the lease and the step reached ride on it), make sure no database
 * of that name exists, create it, run every plugin's tenant migrations, call every plugin's
 * `onTenantProvisioned`, then open it for business. Recovery compensates the same steps.
 */
export function provisioningSteps(deps: ProvisioningDeps): Array<Step<ProvisioningState>> {
  return [
    step(
      'reserve-record',
      async (s) => {
        const em = deps.controlPlane.em.fork();
        const taken = async () => {
          if ((await em.count(TenantSchema, { id: s.tenant.id })) > 0) return TenantErrors.TENANT_EXISTS(s.tenant.id);
          if ((await em.count(TenantSchema, { subdomain: s.tenant.subdomain })) > 0) return TenantErrors.SUBDOMAIN_TAKEN(s.tenant.subdomain);
          return undefined;
        };
        const before = await taken();
        if (before) throw before;
        em.create(TenantSchema, { ...s.tenant, provisioningOwner: s.lease.owner, provisioningLeaseUntil: leaseUntil(), provisioningStep: 'reserve-record' });
        try {
          await em.flush();
        } catch (err) {
          // Two creations racing for one id or subdomain: the unique indexes decide; say which.
          if ((err as Error).name === 'UniqueConstraintViolationException') throw (await taken()) ?? err;
          throw err;
        }
        s.reserved = true;
        s.lease.start();
      },
      async (s) => {
        if (!s.reserved) return;
        if (s.databaseLeftBehind) {
          await s.lease.release();
          throw new Error('the record is kept (with its lease released) so that recovery drops the database later');
        }
        s.lease.stop();
        await deps.controlPlane.em.fork().nativeDelete(TenantSchema, { id: s.tenant.id, status: 'provisioning', provisioningOwner: s.lease.owner });
      },
    ),
    step('check-database', async (s) => {
      // Before the run records reaching create-database: from then on recovery drops the database as its own.
      if (await deps.databases.databaseExists(s.tenant)) throw TenantErrors.TENANT_DATABASE_EXISTS(s.tenant.databaseName, s.tenant.id);
    }),
    step(
      'create-database',
      async (s) => {
        s.creatingDatabase = true;
        try {
          await deps.databases.createDatabase(s.tenant);
        } catch (err) {
          // A database left by an earlier tenant with this id (an import) is someone's data: keep it.
          if (TenantErrors.TENANT_DATABASE_EXISTS.is(err)) s.creatingDatabase = false;
          throw err;
        }
      },
      async (s) => {
        if (!s.creatingDatabase) return;
        try {
          await deps.databases.dropDatabase(s.tenant);
        } catch (err) {
          s.databaseLeftBehind = true;
          throw err;
        }
      },
    ),
    step('run-migrations', async (s) => {
      const orm = await deps.databases.orm(s.tenant);
      const migrations = deps.contributions.tenantMigrations();
      await migrateTenantDatabase(orm, deps.databases.dialect, migrations, (id, when) => faultPoint(`migration:${id}`, when));
    }),
    step(
      'plugin-hooks',
      async (s) => {
        for (const hooks of deps.contributions.tenantHooks()) {
          if (!hooks.provisioned) continue;
          s.hooked.push(hooks);
          faultPoint(`hook:${hooks.plugin}`, 'before');
          try {
            await hooks.provisioned(s.tenant);
          } catch (err) {
            throw new Error(`plugin "${hooks.plugin}": ${(err as Error).message}`);
          }
          faultPoint(`hook:${hooks.plugin}`, 'after');
        }
      },
      async (s) => {
        for (const hooks of s.hooked.reverse()) await hooks.deleted?.(s.tenant);
      },
    ),
    step('open-for-business', async (s) => {
      // `tenant.created` commits with the status that opens the tenant: never for one rolled back.
      await deps.controlPlane.em.fork().transactional(async (em) => {
        const opened = await em.nativeUpdate(
          TenantSchema,
          { id: s.tenant.id, status: 'provisioning', provisioningOwner: s.lease.owner },
          { status: 'trial', updatedAt: new Date(), provisioningOwner: null, provisioningLeaseUntil: null, provisioningStep: null },
        );
        if (opened !== 1) throw leaseLost();
        await deps.events?.record(sqlSession(em), [tenantEvent('tenant.created', { ...s.tenant, status: 'trial' }, null, s.actor ?? 'system')]);
      });
      s.lease.stop();
      s.tenant.status = 'trial';
    }),
  ];
}

/**
 * Creates a tenant by running the provisioning steps as `owner`. A failure undoes what was done,
 * newest first, and the error names the step; a retry starts clean. A crash leaves the record in
 * `provisioning` with its lease, for recovery (provisioning-recovery.ts) to undo.
 */
export async function provisionTenant(deps: ProvisioningDeps, input: NewTenant, owner: string, actor?: string): Promise<Tenant> {
  const id = input.id ?? randomUUID();
  const server = await choosePlacement(deps, input.databaseServer);
  const now = new Date();
  const tenant: Tenant = {
    id,
    name: input.name,
    subdomain: input.subdomain,
    status: 'provisioning',
    plan: input.plan,
    trialEndsAt: input.trialDays > 0 ? new Date(now.getTime() + input.trialDays * 86_400_000) : null,
    databaseServer: server,
    databaseName: server === 'sqlite' ? `${id}.db` : tenantDatabaseName(id),
    locale: input.locale ?? 'ar',
    timezone: input.timezone ?? 'Asia/Riyadh',
    country: input.country ?? 'SA',
    createdAt: now,
    updatedAt: now,
  };
  const lease = new ProvisioningLease(deps.controlPlane, id, owner);
  const state: ProvisioningState = { tenant, lease, hooked: [], reserved: false, creatingDatabase: false, databaseLeftBehind: false, actor };
  try {
    await runSteps(provisioningSteps(deps), state);
  } catch (err) {
    if (err instanceof StepFailedError) {
      // A refusal the caller can act on (taken subdomain, existing id or database) is theirs to see as is.
      if (isDoganError(err.cause) && err.cause.statusCode < 500) throw err.cause;
      // `step` as a member too, so clients and operators need not parse the message.
      const leftBehind = err.compensationFailures.map((f) => f.step);
      throw TenantErrors.TENANT_PROVISIONING_FAILED.with(
        leftBehind.length > 0 ? { step: err.step, leftBehind } : { step: err.step },
        input.subdomain,
        err.step,
        (err.cause as Error)?.message ?? String(err.cause),
      );
    }
    throw err;
  } finally {
    lease.stop();
  }
  return tenant;
}
