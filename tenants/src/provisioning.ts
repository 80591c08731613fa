import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { createStep, isDoganError, runSteps, StepFailedError, type PluginContext, type PluginDefinition } from '@dogan/runtime';
import { leastLoadedServer, tenantDatabaseName, type DatabaseServer } from './database/database-servers.js';
import type { TenantDatabaseManager } from './database/tenant-database-manager.js';
import { collectMigrations, migrateTenantDatabase } from './database/tenant-migrations.js';
import { TenantSchema, type Tenant } from './entities/tenant.js';
import { TenantErrors } from './errors.js';

export interface ProvisioningDeps {
  controlPlane: MikroORM;
  databases: TenantDatabaseManager;
  servers: readonly DatabaseServer[];
  peers: () => ReadonlyArray<{ definition: PluginDefinition; context: PluginContext }>;
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

interface ProvisioningState {
  tenant: Tenant;
  hooked: Array<{ definition: PluginDefinition; context: PluginContext }>;
  /** Set once the record is ours: compensation must never delete a record another creation made. */
  reserved: boolean;
  /** Set when we start creating the database: compensation must never drop one that existed before. */
  creatingDatabase: boolean;
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
 * Creates a tenant as steps with compensation: reserve the record (status `provisioning`, which also
 * claims the subdomain), create its database, run every plugin's tenant migrations, call every
 * plugin's `onTenantProvisioned`, then open it for business. A failure undoes what was done, newest
 * first, and the error names the step; a retry starts clean.
 */
export async function provisionTenant(deps: ProvisioningDeps, input: NewTenant): Promise<Tenant> {
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
  const state: ProvisioningState = { tenant, hooked: [], reserved: false, creatingDatabase: false };
  const steps = [
    createStep<ProvisioningState>(
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
        em.create(TenantSchema, s.tenant);
        try {
          await em.flush();
        } catch (err) {
          // Two creations racing for one id or subdomain: the unique indexes decide; say which.
          if ((err as Error).name === 'UniqueConstraintViolationException') throw (await taken()) ?? err;
          throw err;
        }
        s.reserved = true;
      },
      async (s) => {
        if (s.reserved) await deps.controlPlane.em.fork().nativeDelete(TenantSchema, { id: s.tenant.id, status: 'provisioning' });
      },
    ),
    createStep<ProvisioningState>(
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
        if (s.creatingDatabase) await deps.databases.dropDatabase(s.tenant);
      },
    ),
    createStep<ProvisioningState>('run-migrations', async (s) => {
      const orm = await deps.databases.orm(s.tenant);
      await migrateTenantDatabase(orm, deps.databases.dialect, collectMigrations(deps.peers().map((p) => p.definition)));
    }),
    createStep<ProvisioningState>(
      'plugin-hooks',
      async (s) => {
        for (const peer of deps.peers()) {
          if (!peer.definition.onTenantProvisioned) continue;
          s.hooked.push(peer);
          try {
            await peer.definition.onTenantProvisioned(s.tenant, peer.context);
          } catch (err) {
            throw new Error(`plugin "${peer.definition.name}": ${(err as Error).message}`);
          }
        }
      },
      async (s) => {
        for (const peer of s.hooked.reverse()) await peer.definition.onTenantDeleted?.(s.tenant, peer.context);
      },
    ),
    createStep<ProvisioningState>('open-for-business', async (s) => {
      const em = deps.controlPlane.em.fork();
      await em.nativeUpdate(TenantSchema, { id: s.tenant.id }, { status: 'trial', updatedAt: new Date() });
      s.tenant.status = 'trial';
    }),
  ];
  try {
    await runSteps(steps, state);
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
  }
  return tenant;
}
