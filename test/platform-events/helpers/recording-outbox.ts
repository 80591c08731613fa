import { randomUUID } from 'node:crypto';
import { definePlugin, eventBusRef, eventTypeMatches, type EventBus, type EventConsumer, type PlatformEvent, type PluginDefinition } from '@dogan/runtime';
import { eventOutboxRef, tenantsApiRef, type NewPlatformEvent, type SqlSession } from '@dogan/tenants';

/**
 * A stand-in for the events plugin's outbox, for what the recording plugins must get right on their
 * own: `record` writes each event on the caller's session (so it commits or rolls back with the
 * caller's transaction) into a table of its own, and can be told to fail right after writing, as a
 * failure later in the caller's transaction would. With a `bus`, committed rows are relayed to it.
 */

export interface RecordedEvent {
  id: string;
  type: string;
  version: number;
  tenantId: string | null;
  payload: any;
}

const TABLE = 'test_recorded_events';

/** An in-memory bus two kernels of one test can share: every-node consumers of each get every event; a shared name, one of them. */
export class SharedTestBus implements EventBus {
  private readonly consumers: EventConsumer[] = [];
  private readonly turn = new Map<string, number>();
  readonly published: PlatformEvent[] = [];
  /** While true the bus is degraded and what is published meanwhile never reaches a consumer (an outage). */
  down = false;

  async publish(event: PlatformEvent): Promise<void> {
    this.published.push(event);
    if (this.down) return;
    const shared = new Map<string, EventConsumer[]>();
    const calls: Array<Promise<void>> = [];
    for (const c of this.consumers) {
      if (!eventTypeMatches(c.types, event.type)) continue;
      if (c.delivery === 'every-node') calls.push(c.handle(event, { attempt: 1, consumer: c.name }));
      else shared.set(c.name, [...(shared.get(c.name) ?? []), c]);
    }
    for (const [name, group] of shared) {
      const n = (this.turn.get(name) ?? 0) + 1;
      this.turn.set(name, n);
      const c = group[n % group.length]!;
      calls.push(c.handle(event, { attempt: 1, consumer: name }));
    }
    await Promise.allSettled(calls);
  }

  async subscribe(consumer: EventConsumer) {
    this.consumers.push(consumer);
    return {
      close: async () => {
        const i = this.consumers.indexOf(consumer);
        if (i >= 0) this.consumers.splice(i, 1);
      },
    };
  }

  health() {
    return this.down ? { state: 'degraded' as const, detail: 'down for the test' } : { state: 'ok' as const };
  }
}

export interface RecordingOutbox {
  readonly plugin: PluginDefinition;
  /** Events recorded and committed, oldest first; `type` narrows them (`tenant.*` patterns too). */
  recorded(type?: string): Promise<RecordedEvent[]>;
  /** The next `record` of an event of `type` writes it, then throws: the caller's transaction must roll back both. */
  failNext(type: string): void;
}

async function rowsOf(session: SqlSession): Promise<RecordedEvent[]> {
  const rows = await session.query<{ id: string; type: string; version: number; tenant_id: string | null; payload: string }>(`SELECT id, type, version, tenant_id, payload FROM ${TABLE} ORDER BY n`);
  return rows.map((r) => ({ id: r.id, type: r.type, version: Number(r.version), tenantId: r.tenant_id, payload: JSON.parse(r.payload) }));
}

/**
 * The plugin (`recording-outbox`), providing `eventOutboxRef`, and `eventBusRef` too when given a
 * bus: then a relay polls the table every `relayMs` and publishes what committed, once.
 */
export function recordingOutbox(options: { bus?: SharedTestBus; relayMs?: number; name?: string } = {}): RecordingOutbox {
  const failing = new Set<string>();
  let session: SqlSession | undefined;
  let seq = 0;
  let relay: NodeJS.Timeout | undefined;
  let closed = false;

  const insert = async (on: SqlSession, events: readonly NewPlatformEvent[]) => {
    for (const e of events) {
      // A counter across kernels of one process keeps the order rows were written in.
      seq = Math.max(seq + 1, Date.now() * 1000);
      await on.run(`INSERT INTO ${TABLE} (id, n, type, version, tenant_id, payload, occurred_at, relayed) VALUES (?, ?, ?, ?, ?, ?, ?, 0)`, [
        e.id ?? randomUUID(), seq, e.type, e.version ?? 1, e.tenantId, JSON.stringify(e.payload), e.occurredAt ?? new Date().toISOString(),
      ]);
    }
  };

  const relayOnce = async (on: SqlSession, bus: SharedTestBus) => {
    const rows = await on.query<{ id: string; type: string; version: number; tenant_id: string | null; payload: string; occurred_at: string }>(
      `SELECT id, type, version, tenant_id, payload, occurred_at FROM ${TABLE} WHERE relayed = 0 ORDER BY n`,
    );
    for (const r of rows) {
      if ((await on.run(`UPDATE ${TABLE} SET relayed = 1 WHERE id = ? AND relayed = 0`, [r.id])) !== 1) continue;
      await bus.publish({ id: r.id, type: r.type, version: Number(r.version), tenantId: r.tenant_id, occurredAt: r.occurred_at, payload: JSON.parse(r.payload) });
    }
  };

  const plugin = definePlugin({
    name: options.name ?? 'recording-outbox',
    version: '0.1.0',
    kernel: '^0.1.0',
    deps: { tenants: tenantsApiRef },
    provides: options.bus ? [eventOutboxRef, eventBusRef] : [eventOutboxRef],
    controlPlaneMigrations: [
      {
        name: '0001-test-recorded-events',
        async up(ctx) {
          const text = ctx.dialect === 'postgresql' ? 'text' : 'TEXT';
          await ctx.execute(
            `CREATE TABLE IF NOT EXISTS ${TABLE} (id varchar(36) PRIMARY KEY, n bigint NOT NULL, type varchar(200) NOT NULL, version int NOT NULL, tenant_id varchar(36) NULL, payload ${text} NOT NULL, occurred_at varchar(40) NOT NULL, relayed int NOT NULL)`,
          );
        },
      },
    ],
    init(ctx) {
      session = ctx.deps.tenants.data.controlPlane;
      ctx.provide(eventOutboxRef, {
        async record(on, events) {
          await insert(on, events);
          const failed = events.find((e) => failing.delete(e.type));
          if (failed) throw new Error(`injected failure after recording ${failed.type}`);
        },
        async emit(events) {
          await session!.transaction((tx) => insert(tx, events));
        },
      });
      if (options.bus) ctx.provide(eventBusRef, options.bus);
    },
    onReady() {
      const bus = options.bus;
      if (!bus) return;
      const tick = () => {
        void relayOnce(session!, bus)
          .catch(() => undefined)
          .finally(() => {
            if (closed) return;
            relay = setTimeout(tick, options.relayMs ?? 25);
            relay.unref();
          });
      };
      tick();
    },
    onClose() {
      closed = true;
      clearTimeout(relay);
    },
  });

  return {
    plugin,
    async recorded(type) {
      const all = await rowsOf(session!);
      return type ? all.filter((e) => eventTypeMatches([type], e.type)) : all;
    },
    failNext(type) {
      failing.add(type);
    },
  };
}
