import type { Logger } from 'pino';
import type { SqlSession } from '../database/sql-session.js';
import { TenantErrors } from '../errors.js';
import { HeldLease, newLeaseHolder, type Lease, type Leases } from './lease.js';

export interface SqliteLeaseOptions {
  /** The control plane (its `dogan_leases` table). */
  readonly sql: SqlSession;
  /** How long a lease outlives its holder's last renewal; renewed every third of it. */
  readonly ttlMs: number;
  readonly log?: Logger;
}

interface Held {
  readonly lease: HeldLease;
  /** Until when this node may believe it holds the lease: the expiry it last wrote. */
  expiresAt: number;
}

/**
 * Leases as rows with an expiry in the embedded control plane. The platform is one process there, but
 * a `dogan` command may run beside a server on the same data dir, so the lease lives in the file both
 * open. A holder renews every third of the TTL; one that cannot renew before its expiry (a blocked
 * loop, a busy file) counts the lease lost, and a killed holder's row is taken over once it expires.
 */
export class SqliteLeases implements Leases {
  readonly mechanism = 'sqlite-lease-row' as const;
  readonly holder = newLeaseHolder();
  private readonly held = new Map<string, Held>();
  private renewer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: SqliteLeaseOptions) {}

  async tryAcquire(name: string): Promise<Lease | undefined> {
    if (this.closed) throw TenantErrors.LEASE_UNAVAILABLE(name, 'the lease service is closed');
    if (this.held.has(name)) return undefined;
    const now = Date.now();
    const expiresAt = now + this.options.ttlMs;
    let changed: number;
    try {
      // Inserted when free, taken over when expired; a live row of another holder is left as it is.
      changed = await this.options.sql.run(
        `INSERT INTO dogan_leases (name, holder, expires_at_ms, acquired_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at_ms = excluded.expires_at_ms, acquired_at = excluded.acquired_at
         WHERE dogan_leases.expires_at_ms <= ?`,
        [name, this.holder, expiresAt, new Date(now).toISOString(), now],
      );
    } catch (err) {
      throw TenantErrors.LEASE_UNAVAILABLE(name, (err as Error).message);
    }
    if (changed !== 1 || this.held.has(name)) return undefined;
    const lease: HeldLease = new HeldLease(name, () => this.giveUp(name, lease));
    this.held.set(name, { lease, expiresAt });
    this.startRenewing();
    return lease;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { lease } of [...this.held.values()]) await lease.release().catch(() => undefined);
    this.stopRenewing();
  }

  private async giveUp(name: string, lease: HeldLease): Promise<void> {
    if (this.held.get(name)?.lease === lease) this.held.delete(name);
    if (this.held.size === 0) this.stopRenewing();
    await this.options.sql.run('DELETE FROM dogan_leases WHERE name = ? AND holder = ?', [name, this.holder]);
  }

  private async renew(): Promise<void> {
    for (const [name, entry] of [...this.held]) {
      const now = Date.now();
      if (now >= entry.expiresAt) {
        this.lose(name, entry, 'not renewed before it expired');
        continue;
      }
      const expiresAt = now + this.options.ttlMs;
      try {
        const changed = await this.options.sql.run('UPDATE dogan_leases SET expires_at_ms = ? WHERE name = ? AND holder = ? AND expires_at_ms > ?', [expiresAt, name, this.holder, Date.now()]);
        if (changed === 1) entry.expiresAt = expiresAt;
        else this.lose(name, entry, 'its row expired or was taken over');
      } catch (err) {
        // The next round tries again; past the expiry it is lost above.
        this.options.log?.warn({ err, lease: name }, 'lease renewal failed');
      }
    }
  }

  private lose(name: string, entry: Held, reason: string): void {
    this.options.log?.warn({ lease: name, reason }, 'lease lost');
    this.held.delete(name);
    entry.lease.lose(reason);
    if (this.held.size === 0) this.stopRenewing();
  }

  private startRenewing(): void {
    if (this.renewer) return;
    this.renewer = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.options.ttlMs / 3)));
    this.renewer.unref();
  }

  private stopRenewing(): void {
    clearInterval(this.renewer);
    this.renewer = undefined;
  }
}
