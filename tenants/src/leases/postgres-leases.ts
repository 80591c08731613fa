import pg from 'pg';
import type { Logger } from 'pino';
import { lockKey } from '../database/schema-lock.js';
import { TenantErrors } from '../errors.js';
import { HeldLease, newLeaseHolder, type Lease, type Leases } from './lease.js';

export interface PostgresLeaseOptions {
  readonly url: string;
  /** Longest silence trusted from the lease connection: it is checked every third of this, and dropped on no answer. */
  readonly ttlMs: number;
  readonly log?: Logger;
}

/** Keys of leases apart from those of schema locks, which share the advisory-lock space of the database. */
const keyOf = (name: string) => lockKey(`lease:${name}`);

/**
 * Leases as session-level advisory locks on one connection of their own (never a pooled one: a pool
 * would hand the session, and the lock, to other work). When that connection breaks, the server has
 * dropped or will drop every lock of the session, so every lease held is lost at once, here first: a
 * node stops believing it holds a lease no later than the server lets another node take it.
 */
export class PostgresLeases implements Leases {
  readonly mechanism = 'postgresql-advisory-lock' as const;
  readonly holder = newLeaseHolder();
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly held = new Map<string, HeldLease>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: PostgresLeaseOptions) {}

  async tryAcquire(name: string): Promise<Lease | undefined> {
    if (this.closed) throw TenantErrors.LEASE_UNAVAILABLE(name, 'the lease service is closed');
    // Advisory locks nest within a session: asked twice here, PostgreSQL would say yes twice.
    if (this.held.has(name)) return undefined;
    let client: pg.Client;
    let got: boolean;
    try {
      client = await this.connection();
      const { rows } = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS got', [keyOf(name)]);
      got = rows[0]?.got === true;
    } catch (err) {
      throw TenantErrors.LEASE_UNAVAILABLE(name, (err as Error).message);
    }
    if (!got) return undefined;
    if (this.held.has(name) || client !== this.client) {
      // Taken twice at once here, or the connection broke meanwhile: this one is not ours to keep.
      if (client === this.client) await client.query('SELECT pg_advisory_unlock($1::bigint)', [keyOf(name)]).catch(() => undefined);
      return undefined;
    }
    const lease: HeldLease = new HeldLease(name, () => this.unlock(name, lease, client));
    this.held.set(name, lease);
    this.startHeartbeat();
    return lease;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const lease of [...this.held.values()]) await lease.release().catch(() => undefined);
    this.drop('the lease service closed');
    await this.connecting?.catch(() => undefined);
  }

  private async unlock(name: string, lease: HeldLease, client: pg.Client): Promise<void> {
    if (this.held.get(name) !== lease) return;
    this.held.delete(name);
    if (this.held.size === 0) this.stopHeartbeat();
    // A lease lost with its connection has nothing left to unlock.
    if (client === this.client) await client.query('SELECT pg_advisory_unlock($1::bigint)', [keyOf(name)]);
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.options.url,
      connectionTimeoutMillis: Math.max(1_000, this.options.ttlMs / 3),
      // A lock request or heartbeat that gets no answer within this fails instead of hanging.
      query_timeout: Math.max(1_000, this.options.ttlMs / 3),
      keepAlive: true,
      application_name: 'dogan-leases',
    });
    client.on('error', (err) => this.lost(client, err.message));
    client.on('end', () => this.lost(client, 'the lease connection ended'));
    await client.connect();
    if (this.closed) {
      await client.end().catch(() => undefined);
      throw new Error('the lease service closed');
    }
    this.client = client;
    return client;
  }

  /** The connection broke: every lease it held is gone. */
  private lost(client: pg.Client, reason: string): void {
    if (client !== this.client) return;
    this.options.log?.warn({ leases: [...this.held.keys()], reason }, 'lease connection lost; its leases are released');
    this.drop(reason);
  }

  /** Forgets the connection (ending it in the background) and every lease it held. */
  private drop(reason: string): void {
    const client = this.client;
    this.client = undefined;
    this.stopHeartbeat();
    for (const lease of this.held.values()) lease.lose(reason);
    this.held.clear();
    // Not awaited: on a dead network `end` waits for the socket; the locks are already given up here.
    if (client) void client.end().catch(() => undefined);
  }

  /** While leases are held, the connection must answer every third of the TTL, or it is dropped with them. */
  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      const client = this.client;
      if (!client) return;
      client.query('SELECT 1').catch((err: Error) => {
        if (client === this.client) {
          this.options.log?.warn({ err }, 'lease connection did not answer; its leases are released');
          this.drop(`no answer from the control plane: ${err.message}`);
        }
      });
    }, Math.max(250, Math.floor(this.options.ttlMs / 3)));
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}
