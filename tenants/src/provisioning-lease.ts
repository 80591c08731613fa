import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import { TenantSchema, type Tenant } from './entities/tenant.js';

/**
 * Who is running a provisioning, and until when that holds. The record in `provisioning` names its
 * owner (host/pid/token) and a lease the owner renews while it works. Recovery on any node takes over
 * only a provisioning whose lease has expired, or whose owner is a process on this host that no
 * longer exists; it claims the record with a conditional update, so two nodes never both undo it.
 */

/** Generous: a node under load, or running a long migration, must never lose a provisioning it still runs. */
export const PROVISIONING_LEASE_MS = 120_000;
const RENEW_EVERY_MS = 15_000;

/** Owners issued in this process: a record with our pid and another token is a previous process's (a container restarted with the same pid). */
const ownersHere = new Set<string>();

/** A new owner identity for one TenantService (one kernel): host, pid and a random token. */
export function newProvisioningOwner(): string {
  const owner = `${hostname()}/${process.pid}/${randomBytes(6).toString('hex')}`;
  ownersHere.add(owner);
  return owner;
}

/**
 * True when the owner certainly no longer runs: a process on this host whose pid is gone, or ours
 * under a token this process never issued. Owners on other hosts are never judged here: only their
 * lease expiring says they are gone.
 */
export function ownerIsGone(owner: string | null | undefined): boolean {
  const [host, pidText] = (owner ?? '').split('/');
  if (!owner || host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return !ownersHere.has(owner);
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    // EPERM: the pid exists (another user's process); only ESRCH proves it gone.
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** What a provisioning that lost its record to recovery fails with (as its step's cause). */
export function leaseLost(): Error {
  return new Error('its provisioning lease expired and recovery took it over; nothing of it is kept');
}

export function leaseUntil(now: Date = new Date()): Date {
  return new Date(now.getTime() + PROVISIONING_LEASE_MS);
}

/** A provisioning nobody runs any more: its lease expired (or predates leases), or its owner is gone. */
export function isAbandoned(tenant: Tenant, now: Date = new Date()): boolean {
  if (tenant.status !== 'provisioning') return false;
  const until = tenant.provisioningLeaseUntil;
  return !until || until.getTime() <= now.getTime() || ownerIsGone(tenant.provisioningOwner);
}

/**
 * Takes over an abandoned provisioning for `owner`. The update only matches while the record still
 * has the owner that was judged gone (and, unless that owner is provably dead, an expired lease):
 * of two nodes recovering at once exactly one gets true.
 */
export async function claimProvisioning(controlPlane: MikroORM, tenant: Tenant, owner: string, now: Date = new Date()): Promise<boolean> {
  const expired = { $or: [{ provisioningLeaseUntil: null }, { provisioningLeaseUntil: { $lte: now } }] };
  const claimed = await controlPlane.em.fork().nativeUpdate(
    TenantSchema,
    { id: tenant.id, status: 'provisioning', provisioningOwner: tenant.provisioningOwner ?? null, ...(ownerIsGone(tenant.provisioningOwner) ? {} : expired) },
    { provisioningOwner: owner, provisioningLeaseUntil: leaseUntil(now) },
  );
  return claimed === 1;
}

/** The lease of one provisioning this process holds: renewed on a timer, and with each step recorded. */
export class ProvisioningLease {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly controlPlane: MikroORM,
    private readonly tenantId: string,
    readonly owner: string,
  ) {}

  /** Records the step reached (renewing the lease); throws when the record is no longer ours. */
  async mark(step: string): Promise<void> {
    if ((await this.renew({ provisioningStep: step })) !== 1) throw leaseLost();
  }

  start(): void {
    this.stop();
    this.timer = setInterval(() => void this.renew().catch(() => undefined), RENEW_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Lets the lease run out now, so the next sweep on any node takes the provisioning over. */
  async release(): Promise<void> {
    this.stop();
    await this.ours({ provisioningLeaseUntil: new Date(0) });
  }

  private renew(extra: Partial<Tenant> = {}): Promise<number> {
    return this.ours({ ...extra, provisioningLeaseUntil: leaseUntil() });
  }

  private ours(changes: Partial<Tenant>): Promise<number> {
    return this.controlPlane.em.fork().nativeUpdate(TenantSchema, { id: this.tenantId, status: 'provisioning', provisioningOwner: this.owner }, changes);
  }
}
