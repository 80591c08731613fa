import type { Logger } from 'pino';
import { eventTypeMatches, type EventBus, type EventBusHealth, type EventConsumer, type EventSubscription, type PlatformEvent } from '@dogan/runtime';
import type { SqlParam, SqlSession } from '@dogan/tenants';
import { decodeEvent, encodeEvent, jsonColumn } from '../event-codec.js';
import { deliverOnce, deliverToNode, maxDeliverOf, retryDelay, type DeliveryDeps } from './consumer-delivery.js';

interface KnownConsumer {
  readonly types: readonly string[];
}

/** Deliveries read per poll. */
const POLL_BATCH = 100;

/**
 * The embedded default's bus, in this process, made durable by the control plane: publishing writes a
 * delivery row per matching shared consumer (every consumer ever subscribed, as a JetStream durable
 * consumer would, so one that subscribes late still gets what was published meanwhile), and the row
 * goes only when the consumer applied the event or gave up on it. A failed or interrupted delivery is
 * retried from its row after a growing delay, after a restart too. `every-node` consumers are called
 * directly, without rows.
 */
export class InProcessBus implements EventBus {
  private readonly known = new Map<string, KnownConsumer>();
  private readonly local = new Map<string, EventConsumer>();
  private readonly everyNode = new Set<EventConsumer>();
  private readonly inFlight = new Set<string>();
  private readonly pending = new Set<Promise<unknown>>();
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  private polling = false;
  private pollAgain = false;
  private closed = false;

  constructor(
    private readonly deps: DeliveryDeps & {
      controlPlane: SqlSession;
      /** How often rows due for a retry are looked for. */
      pollIntervalMs: number;
      log: Logger;
    },
  ) {}

  async start(): Promise<void> {
    const rows = await this.deps.controlPlane.query<{ name: string; types: unknown }>('SELECT name, types FROM event_consumers');
    for (const row of rows) this.known.set(row.name, { types: jsonColumn(row.types) as string[] });
    const tick = () => {
      void this.poll().finally(() => {
        if (this.closed) return;
        this.pollTimer = setTimeout(tick, this.deps.pollIntervalMs);
        this.pollTimer.unref();
      });
    };
    tick();
  }

  health(): EventBusHealth {
    return { state: 'ok' };
  }

  async publish(event: PlatformEvent): Promise<void> {
    const [outcome] = await this.publishMany([event]);
    if (outcome && !outcome.ok) throw new Error(outcome.error);
  }

  /** Writes the delivery rows of a batch in one statement, then starts the deliveries. */
  async publishMany(events: readonly PlatformEvent[]): Promise<Array<{ ok: true } | { ok: false; error: string }>> {
    const rows: Array<{ consumer: string; event: PlatformEvent }> = [];
    for (const event of events) {
      for (const consumer of this.everyNode) if (eventTypeMatches(consumer.types, event.type)) this.track(deliverToNode(consumer, event, this.deps.log));
      for (const [name, known] of this.known) if (eventTypeMatches(known.types, event.type)) rows.push({ consumer: name, event });
    }
    const fresh = await this.insertDeliveries(rows);
    for (const { consumer, event } of fresh) {
      const local = this.local.get(consumer);
      if (local) this.track(this.dispatch(local, event, 1));
    }
    return events.map(() => ({ ok: true as const }));
  }

  /**
   * Inserts rows not already there (a relay publishing again after a crash finds them, or finds the
   * event in the ledger), first attempt already counted and its retry time set, as a lease on it.
   */
  private async insertDeliveries(rows: ReadonlyArray<{ consumer: string; event: PlatformEvent }>): Promise<Array<{ consumer: string; event: PlatformEvent }>> {
    const db = this.deps.controlPlane;
    const now = Date.now();
    const fresh: Array<{ consumer: string; event: PlatformEvent }> = [];
    for (let i = 0; i < rows.length; i += 150) {
      const chunk = rows.slice(i, i + 150);
      const params: SqlParam[] = chunk.flatMap((r) => {
        const delay = retryDelay(this.deps.retryDelaysMs, 1);
        return [r.consumer, r.event.id, encodeEvent(r.event), now + delay];
      });
      const values = chunk.map(() => `(?, ?, ${db.json}, 1, ?)`).join(', ');
      const inserted = await db.query<{ consumer: string; event_id: string }>(
        `INSERT INTO event_deliveries (consumer, event_id, event, attempts, next_attempt_at_ms) VALUES ${values} ON CONFLICT (consumer, event_id) DO NOTHING RETURNING consumer, event_id`,
        params,
      );
      const key = (c: string, id: string) => `${c}\u0000${id}`;
      const got = new Set(inserted.map((r) => key(r.consumer, r.event_id)));
      for (const r of chunk) if (got.has(key(r.consumer, r.event.id))) fresh.push(r);
    }
    return fresh;
  }

  async subscribe(consumer: EventConsumer): Promise<EventSubscription> {
    if (consumer.delivery === 'every-node') {
      this.everyNode.add(consumer);
      return { close: async () => void this.everyNode.delete(consumer) };
    }
    if (this.local.has(consumer.name)) throw new Error(`consumer "${consumer.name}" is already subscribed in this process`);
    const db = this.deps.controlPlane;
    await db.run(
      `INSERT INTO event_consumers (name, types, max_deliver, registered_at_ms) VALUES (?, ${db.json}, ?, ?) ON CONFLICT (name) DO UPDATE SET types = excluded.types, max_deliver = excluded.max_deliver`,
      [consumer.name, JSON.stringify(consumer.types), maxDeliverOf(consumer), Date.now()],
    );
    this.known.set(consumer.name, { types: [...consumer.types] });
    this.local.set(consumer.name, consumer);
    // What was published for it while it was away is due now.
    this.wake(0);
    return { close: async () => void this.local.delete(consumer.name) };
  }

  /** The consumer subscribed here under `name` (dead-letter replay runs it). */
  consumer(name: string): EventConsumer | undefined {
    return this.local.get(name);
  }

  private track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  /** Polls after `delayMs`, unless a poll is already due sooner. */
  private wake(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.closed || (this.wakeTimer && at >= this.wakeAt)) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      void this.poll();
    }, delayMs);
    this.wakeTimer.unref();
  }

  /** Delivers the rows whose retry time has come, for the consumers subscribed here. */
  private async poll(): Promise<void> {
    if (this.closed || this.local.size === 0) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    try {
      const names = [...this.local.keys()];
      const rows = await this.deps.controlPlane.query<{ consumer: string; event: unknown; attempts: number | string }>(
        `SELECT consumer, event, attempts FROM event_deliveries WHERE next_attempt_at_ms <= ? AND consumer IN (${names.map(() => '?').join(', ')}) ORDER BY next_attempt_at_ms LIMIT ?`,
        [Date.now(), ...names, POLL_BATCH],
      );
      for (const row of rows) {
        const consumer = this.local.get(row.consumer);
        const raw = jsonColumn(row.event);
        const event = typeof raw === 'string' ? decodeEvent(raw) : (raw as PlatformEvent);
        if (!consumer || this.inFlight.has(`${row.consumer}\u0000${event.id}`)) continue;
        const attempt = Number(row.attempts) + 1;
        // Claimed before the handler runs: a crash now retries after the delay, never at once in a loop.
        await this.deps.controlPlane.run('UPDATE event_deliveries SET attempts = ?, next_attempt_at_ms = ? WHERE consumer = ? AND event_id = ?', [
          attempt,
          Date.now() + retryDelay(this.deps.retryDelaysMs, attempt),
          row.consumer,
          event.id,
        ]);
        this.track(this.dispatch(consumer, event, attempt));
      }
    } catch (err) {
      if (!this.closed) this.deps.log.warn({ err }, 'in-process bus could not read its deliveries');
    } finally {
      this.polling = false;
      if (this.pollAgain) {
        this.pollAgain = false;
        this.wake(0);
      }
    }
  }

  private async dispatch(consumer: EventConsumer, event: PlatformEvent, attempt: number): Promise<void> {
    const key = `${consumer.name}\u0000${event.id}`;
    if (this.inFlight.has(key)) return;
    this.inFlight.add(key);
    try {
      const db = this.deps.controlPlane;
      // Applied: the ledger entry and the row's removal commit together (one commit, not two).
      const recordApplied = () =>
        db.transaction(async (tx) => {
          await this.deps.ledger.add(consumer.name, event.id, Date.now(), tx);
          await tx.run('DELETE FROM event_deliveries WHERE consumer = ? AND event_id = ?', [consumer.name, event.id]);
        });
      const outcome = await deliverOnce(consumer, event, attempt, this.deps, recordApplied);
      if (outcome.kind === 'retry') {
        await db.run('UPDATE event_deliveries SET next_attempt_at_ms = ?, last_error = ? WHERE consumer = ? AND event_id = ?', [Date.now() + outcome.delayMs, outcome.error.slice(0, 2000), consumer.name, event.id]);
        this.wake(outcome.delayMs);
      } else if (outcome.kind !== 'applied') {
        await db.run('DELETE FROM event_deliveries WHERE consumer = ? AND event_id = ?', [consumer.name, event.id]);
      }
    } catch (err) {
      // The row stays with its retry time: the poll delivers it again.
      if (!this.closed) this.deps.log.warn({ err, consumer: consumer.name, eventId: event.id }, 'in-process delivery could not be recorded');
    } finally {
      this.inFlight.delete(key);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.wakeTimer);
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
