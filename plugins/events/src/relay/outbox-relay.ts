import type { Logger } from 'pino';
import type { EventBus, PlatformEvent } from '@dogan/runtime';
import type { SqlSession } from '@dogan/tenants';
import { faultPoint, FAULTS_ARMED } from '../fault-injection.js';
import { markFailed, markSent, pruneSent, unsentEvents } from '../outbox/outbox-table.js';
import type { ClusterLease } from './cluster-lease.js';

/** The control plane's outbox, by the key the relay uses for databases (tenant databases go by tenant id). */
export const CONTROL_PLANE = 'control-plane';

/** What a bus may offer beyond `publish`: a batch in one go (the in-process bus writes it in one statement). */
export interface BatchPublisher {
  publishMany?(events: readonly PlatformEvent[]): Promise<Array<{ ok: true } | { ok: false; error: string }>>;
}

export interface RelayPassResult {
  /** False when another node (or pass) held the database's lease, or the database is gone. */
  readonly ran: boolean;
  readonly published: readonly string[];
  /** The outbox was left empty (no failure stopped the pass). */
  readonly drained: boolean;
}

const BATCH = 200;
/** Sent rows are kept this long (for an operator's look), then pruned by the relay, at most hourly per database. */
const KEEP_SENT_MS = 7 * 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;

/** The crash suite's kill points around a publish: any batch, or a batch holding a given type. */
function faultPoints(events: readonly PlatformEvent[], when: 'before' | 'after'): void {
  if (!FAULTS_ARMED) return;
  faultPoint('outbox-relay-publish', when);
  for (const type of new Set(events.map((e) => e.type))) faultPoint(`outbox-relay-publish:${type}`, when);
}

/**
 * Moves one database's unsent outbox rows to the bus, in record order, and marks them sent: under
 * that database's cluster lease, so one node at a time relays it. A row is marked only after the bus
 * acknowledged it; a crash in between publishes it again, which the bus (JetStream message id) and
 * consumers (event id ledger) absorb. Passes for one database never overlap in this process: a pass
 * asked for while one runs is coalesced into one more pass after it.
 */
export class OutboxRelay {
  private readonly running = new Map<string, Promise<RelayPassResult>>();
  private readonly again = new Map<string, Promise<RelayPassResult>>();
  private readonly prunedAt = new Map<string, number>();

  constructor(
    private readonly deps: {
      bus: EventBus & BatchPublisher;
      lease: ClusterLease;
      /** The session of a database by relay key; null when the tenant no longer exists. */
      sessionOf(key: string): Promise<SqlSession | null>;
      log: Logger;
      now?: () => number;
    },
  ) {}

  /** One pass over one database (or the pass queued after the running one). */
  pass(key: string): Promise<RelayPassResult> {
    const current = this.running.get(key);
    if (current) {
      let next = this.again.get(key);
      if (!next) {
        next = current.catch(() => undefined).then(() => {
          this.again.delete(key);
          return this.pass(key);
        });
        this.again.set(key, next);
      }
      return next;
    }
    const run = this.leased(key).finally(() => this.running.delete(key));
    this.running.set(key, run);
    return run;
  }

  /** Resolves when no pass runs or is queued (at close). */
  async idle(): Promise<void> {
    while (this.running.size > 0 || this.again.size > 0) await Promise.allSettled([...this.running.values(), ...this.again.values()]);
  }

  private async leased(key: string): Promise<RelayPassResult> {
    const outcome = await this.deps.lease.run(`outbox-relay:${key}`, async () => {
      const session = await this.deps.sessionOf(key);
      if (!session) return null;
      const result = await this.drain(session);
      await this.pruneNowAndThen(key, session);
      return result;
    });
    if (!outcome.ran || outcome.value === null) return { ran: false, published: [], drained: false };
    return { ran: true, ...outcome.value };
  }

  private async drain(session: SqlSession): Promise<{ published: string[]; drained: boolean }> {
    const published: string[] = [];
    for (;;) {
      const events = await unsentEvents(session, BATCH);
      if (events.length === 0) return { published, drained: true };
      faultPoints(events, 'before');
      const outcomes = await this.publish(events);
      faultPoints(events, 'after');
      const sent = events.filter((_, i) => outcomes[i]!.ok).map((e) => e.id);
      const failed = events.flatMap((e, i) => (outcomes[i]!.ok ? [] : [{ id: e.id, error: (outcomes[i] as { error: string }).error }]));
      await markSent(session, sent, (this.deps.now ?? Date.now)());
      published.push(...sent);
      if (failed.length > 0) {
        // The bus refused: the rows stay unsent for the next pass (nudge or sweep); nothing is lost.
        await markFailed(session, failed.map((f) => f.id), failed[0]!.error).catch(() => undefined);
        this.deps.log.warn({ failed: failed.length, error: failed[0]!.error }, 'event bus refused events; they stay in the outbox');
        return { published, drained: false };
      }
      if (events.length < BATCH) return { published, drained: true };
    }
  }

  private async pruneNowAndThen(key: string, session: SqlSession): Promise<void> {
    const now = (this.deps.now ?? Date.now)();
    if (now - (this.prunedAt.get(key) ?? 0) < PRUNE_EVERY_MS) return;
    this.prunedAt.set(key, now);
    await pruneSent(session, now - KEEP_SENT_MS).catch((err: unknown) => this.deps.log.warn({ err, database: key }, 'sent outbox rows not pruned'));
  }

  private async publish(events: readonly PlatformEvent[]): Promise<Array<{ ok: true } | { ok: false; error: string }>> {
    if (this.deps.bus.publishMany) return this.deps.bus.publishMany(events);
    const settled = await Promise.allSettled(events.map((e) => this.deps.bus.publish(e)));
    return settled.map((s) => (s.status === 'fulfilled' ? { ok: true as const } : { ok: false as const, error: String((s.reason as Error)?.message ?? s.reason) }));
  }
}
