import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { createServiceRef } from '@dogan/runtime';

/** A named lease this node holds: no other node holds the same name until it is released or lost. */
export interface Lease {
  readonly name: string;
  /**
   * Aborted when the lease is lost (the control-plane connection that held it broke, or it could not
   * be renewed in time) or released. Work done under a lease should stop when it fires: another node
   * may take the lease over from then on.
   */
  readonly signal: AbortSignal;
  /** Gives the lease up; another node may take it at once. Idempotent. */
  release(): Promise<void>;
}

/**
 * Named leases over the control plane, one holder in the cluster at a time. PostgreSQL: a
 * session-level advisory lock on a connection of its own, so the lease ends when the holder's
 * connection does (a killed node frees it as soon as the server sees the connection close). Embedded
 * SQLite: a row with an expiry, renewed while held, so a `dogan` command beside a server on the same
 * data dir takes turns with it; a killed holder's lease is free once `LEASE_TTL_MS` has passed.
 */
export interface Leases {
  /** `postgresql-advisory-lock` or `sqlite-lease-row`: how leases are held here. */
  readonly mechanism: 'postgresql-advisory-lock' | 'sqlite-lease-row';
  /** Who this node is in lease records and logs: host/pid/token. */
  readonly holder: string;
  /**
   * Takes the lease when nobody holds it; undefined when another holder (another node, or this node
   * already) has it. Rejects with LEASE_UNAVAILABLE when the control plane cannot be asked.
   */
  tryAcquire(name: string): Promise<Lease | undefined>;
  /** Releases every lease held and closes what holds them. */
  close(): Promise<void>;
}

export const leasesRef = createServiceRef<Leases>({ id: 'tenants.leases' });

/** A new holder identity: the host, the process and a random token (two services in one process differ). */
export function newLeaseHolder(): string {
  return `${hostname()}/${process.pid}/${randomBytes(6).toString('hex')}`;
}

/** A held lease's signal and its release, shared by both mechanisms. */
export class HeldLease implements Lease {
  private readonly controller = new AbortController();
  private released: Promise<void> | undefined;

  constructor(
    readonly name: string,
    private readonly giveUp: () => Promise<void>,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Marks the lease lost; the mechanism has already dropped it (or is about to). */
  lose(reason: string): void {
    if (!this.controller.signal.aborted) this.controller.abort(new Error(`lease "${this.name}" lost: ${reason}`));
  }

  release(): Promise<void> {
    this.released ??= (async () => {
      this.lose('released');
      // Also after a loss: the mechanism drops whatever of the lease may still be recorded as ours.
      await this.giveUp();
    })();
    return this.released;
  }
}
