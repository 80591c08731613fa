import { compensateSteps } from '@dogan/runtime';
import type { Logger } from 'pino';
import { TenantSchema, type Tenant } from './entities/tenant.js';
import { TenantErrors } from './errors.js';
import { provisioningSteps, type ProvisioningDeps, type ProvisioningState } from './provisioning.js';
import { claimProvisioning, isAbandoned, ProvisioningLease } from './provisioning-lease.js';

export interface RecoveryDeps extends ProvisioningDeps {
  /** This process's provisioning owner; a claimed record is held under it while it is undone. */
  owner: string;
  log: Logger;
  audit(tenantId: string, action: string, actor: string, details: Record<string, unknown>): Promise<void>;
}

export interface RecoveryReport {
  rolledBack: string[];
  failed: Array<{ tenantId: string; error: string }>;
}

/**
 * Undoes a provisioning that nobody runs any more (its process died, or its lease ran out): claims
 * the record, then runs the compensations of every step the run had recorded reaching, newest
 * first, so its database is dropped, plugins are told and the record goes, freeing the subdomain.
 * Returns false when another node claimed it first. When a compensation fails, the record stays
 * (its lease released) and the next sweep tries again.
 */
export async function rollBackProvisioning(deps: RecoveryDeps, record: Tenant, actor: string, now = new Date()): Promise<boolean> {
  if (!(await claimProvisioning(deps.controlPlane, record, deps.owner, now))) return false;
  const steps = provisioningSteps(deps);
  const reached = record.provisioningStep ?? 'reserve-record';
  const index = (name: string) => steps.findIndex((s) => s.name === name);
  const lease = new ProvisioningLease(deps.controlPlane, record.id, deps.owner);
  const state: ProvisioningState = {
    tenant: record,
    lease,
    // Which hooks ran is not recorded; onTenantDeleted must tolerate a tenant it never saw.
    hooked: index(reached) >= index('plugin-hooks') ? deps.contributions.tenantHooks().filter((h) => h.provisioned) : [],
    reserved: true,
    // A run records create-database only after making sure no database of that name existed.
    creatingDatabase: index(reached) >= index('create-database'),
    databaseLeftBehind: false,
  };
  lease.start();
  let failures: Awaited<ReturnType<typeof compensateSteps>>;
  try {
    failures = await compensateSteps(steps, reached, state);
  } finally {
    lease.stop();
  }
  const context = { tenantId: record.id, subdomain: record.subdomain, step: reached, previousOwner: record.provisioningOwner ?? null };
  if (failures.length > 0) {
    const errors = failures.map((f) => `${f.step}: ${(f.error as Error)?.message ?? String(f.error)}`);
    deps.log.error({ ...context, errors }, 'rolling back an interrupted provisioning failed in part; the next sweep retries what is left');
    if (state.databaseLeftBehind) throw new Error(errors.join('; '));
  }
  deps.log.warn({ ...context, databaseDropped: state.creatingDatabase }, 'rolled back an interrupted provisioning');
  await deps.audit(record.id, 'tenant.provisioning_rolled_back', actor, context);
  return true;
}

/**
 * Finds provisionings that nobody runs any more and rolls each back. Safe on every node at once
 * (each record is claimed by one); one that fails is reported and retried by the next sweep.
 */
export async function recoverInterruptedProvisioning(deps: RecoveryDeps, actor: string, now = new Date()): Promise<RecoveryReport> {
  const report: RecoveryReport = { rolledBack: [], failed: [] };
  const stuck = await deps.controlPlane.em.fork().find(TenantSchema, { status: 'provisioning' }, { disableIdentityMap: true });
  for (const record of stuck.filter((t) => isAbandoned(t, now))) {
    try {
      if (await rollBackProvisioning(deps, record, actor, now)) report.rolledBack.push(record.id);
    } catch (err) {
      report.failed.push({ tenantId: record.id, error: (err as Error)?.message ?? String(err) });
      deps.log.error({ err, tenantId: record.id }, 'could not roll back an interrupted provisioning');
    }
  }
  return report;
}

/**
 * Removes a tenant still in `provisioning` at an admin's request: rolled back when abandoned,
 * refused with TENANT_PROVISIONING_IN_PROGRESS while its owner still holds the lease.
 */
export async function abandonProvisioning(deps: RecoveryDeps, record: Tenant, actor: string): Promise<void> {
  const now = new Date();
  const refuse = () => TenantErrors.TENANT_PROVISIONING_IN_PROGRESS(record.subdomain, record.provisioningLeaseUntil?.toISOString() ?? 'unknown');
  if (!isAbandoned(record, now)) throw refuse();
  // Another node's recovery claiming it first is as good: it is being removed either way.
  await rollBackProvisioning(deps, record, actor, now);
}
