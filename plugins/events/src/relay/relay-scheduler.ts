import type { Logger } from 'pino';
import type { SqlSession } from '@dogan/tenants';
import { clearHint, hintedTenants } from '../outbox/outbox-hints.js';
import { CONTROL_PLANE, type OutboxRelay } from './outbox-relay.js';

/** How long a nudge keeps looking for the events it was told of: longer than a transaction lasts. */
const NUDGE_WINDOW_MS = 5_000;
/** Hinted tenants read per sweep; the rest wait for the next one. */
const SWEEP_TENANTS = 500;

interface Awaited {
  readonly ids: Map<string, number>;
  misses: number;
  timer?: NodeJS.Timeout;
}

/**
 * When the relay runs. Right after a commit: `record` nudges with the ids it wrote; the nudge cannot
 * see the commit, so it passes at once and again at growing intervals (1, 2, 4... ms, at most 1 s)
 * until it has relayed those ids or the window closes (a rollback). And on an interval: the control
 * plane's outbox and the tenant databases with hints, a few at a time, which finds what a nudge
 * missed (another node recorded it; a crash; a restart).
 */
export class RelayScheduler {
  private readonly awaited = new Map<string, Awaited>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private closed = false;
  /** Nudges before `start` wait for it: nothing is relayed before the platform is ready. */
  private started = false;

  constructor(
    private readonly deps: {
      relay: OutboxRelay;
      controlPlane: SqlSession;
      log: Logger;
      /** Tenant databases relayed at once by a sweep. */
      concurrency: number;
    },
  ) {}

  nudge(key: string, ids: readonly string[]): void {
    if (this.closed) return;
    let entry = this.awaited.get(key);
    if (!entry) {
      entry = { ids: new Map(), misses: 0 };
      this.awaited.set(key, entry);
    }
    const until = Date.now() + NUDGE_WINDOW_MS;
    for (const id of ids) entry.ids.set(id, until);
    entry.misses = 0;
    if (this.started && !entry.timer) this.schedule(key, entry, 0);
  }

  private schedule(key: string, entry: Awaited, delayMs: number): void {
    entry.timer = setTimeout(() => void this.follow(key, entry), delayMs);
    entry.timer.unref();
  }

  private async follow(key: string, entry: Awaited): Promise<void> {
    try {
      const result = await this.deps.relay.pass(key);
      let found = false;
      for (const id of result.published) found = entry.ids.delete(id) || found;
      entry.misses = found ? 0 : entry.misses + 1;
    } catch (err) {
      entry.misses++;
      this.deps.log.warn({ err, database: key }, 'outbox relay pass failed; the sweep retries');
    }
    const now = Date.now();
    for (const [id, until] of entry.ids) if (until < now) entry.ids.delete(id);
    entry.timer = undefined;
    if (entry.ids.size === 0 || this.closed) {
      this.awaited.delete(key);
      return;
    }
    this.schedule(key, entry, Math.min(1000, 2 ** entry.misses));
  }

  /** Sweeps now and every `intervalMs` after. */
  start(intervalMs: number): void {
    this.started = true;
    for (const [key, entry] of this.awaited) if (!entry.timer) this.schedule(key, entry, 0);
    const tick = () => {
      this.sweeping = this.sweep().catch((err: unknown) => this.deps.log.warn({ err }, 'outbox sweep failed'));
      void this.sweeping.finally(() => {
        if (!this.closed) {
          this.sweepTimer = setTimeout(tick, intervalMs);
          this.sweepTimer.unref();
        }
      });
    };
    tick();
  }

  /** One sweep: the control plane, then the hinted tenant databases with bounded concurrency. */
  async sweep(): Promise<void> {
    await this.deps.relay.pass(CONTROL_PLANE);
    const hinted = await hintedTenants(this.deps.controlPlane, SWEEP_TENANTS);
    let next = 0;
    const worker = async () => {
      while (next < hinted.length && !this.closed) {
        const { tenantId, hints } = hinted[next++]!;
        try {
          const result = await this.deps.relay.pass(tenantId);
          if (result.ran && result.drained) await clearHint(this.deps.controlPlane, tenantId, hints, Date.now());
        } catch (err) {
          this.deps.log.warn({ err, tenantId }, "a tenant's outbox could not be relayed; the next sweep retries");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.concurrency, hinted.length) }, worker));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.sweepTimer);
    for (const entry of this.awaited.values()) clearTimeout(entry.timer);
    this.awaited.clear();
    await this.sweeping;
  }
}
