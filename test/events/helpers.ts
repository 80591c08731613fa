import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'nats';
import { definePlugin, eventBusRef, type EventBus, type EventConsumer, type Kernel, type PlatformEvent } from '@dogan/runtime';
import tenantsPlugin, { eventOutboxRef, tenantsApiRef, type EventOutbox, type TenantsApi } from '@dogan/tenants';
import { createEventsPlugin, type EventsPluginOptions, type EventsRuntime } from '@dogan/plugin-events';
import { freePort } from '../helpers/free-port.js';
import { startTestKernel } from '../helpers/kernel.js';
import type { TestEngine } from '../helpers/engines.js';

/** Options that make retries and sweeps quick enough for a test. */
export const FAST: EventsPluginOptions = { relayIntervalMs: 200, retryDelaysMs: [50, 100], pollIntervalMs: 100, ackWaitMs: 2_000 };

/** A consumer that records what reached it, and fails the first `failFirst` deliveries of each event. */
export class ProbeConsumer implements EventConsumer {
  readonly deliveries: Array<{ id: string; attempt: number }> = [];
  /** Event id -> times applied (the handler's effect, idempotent by id). */
  readonly applied = new Map<string, number>();
  readonly events: PlatformEvent[] = [];
  failFirst = 0;
  alwaysFail = false;
  readonly delivery = 'shared' as const;

  constructor(
    readonly name: string,
    readonly types: readonly string[],
    readonly maxDeliver?: number,
  ) {}

  async handle(event: PlatformEvent, ctx: { attempt: number }): Promise<void> {
    this.deliveries.push({ id: event.id, attempt: ctx.attempt });
    if (this.alwaysFail) throw new Error('the receiver is down');
    if (this.deliveries.filter((d) => d.id === event.id).length <= this.failFirst) throw new Error(`failing delivery ${ctx.attempt} on purpose`);
    if (!this.applied.has(event.id)) this.events.push(event);
    this.applied.set(event.id, (this.applied.get(event.id) ?? 0) + 1);
  }

  deliveriesOf(id: string): number[] {
    return this.deliveries.filter((d) => d.id === id).map((d) => d.attempt);
  }
}

/** A plugin that subscribes the given consumers in its init, as a consumer plugin (webhooks) does. */
export function probePlugin(consumers: readonly EventConsumer[]) {
  return definePlugin({
    name: 'events-probe',
    version: '0.1.0',
    kernel: '^0.1.0',
    deps: { bus: eventBusRef },
    async init(ctx) {
      for (const c of consumers) await ctx.deps.bus.subscribe(c);
    },
  });
}

export interface EventsKernel {
  readonly kernel: Kernel;
  readonly api: TenantsApi;
  readonly outbox: EventOutbox;
  readonly bus: EventBus;
  readonly events: EventsRuntime;
}

/** A kernel with the tenants and events plugins and the probe consumers, on the engine's databases. */
export async function startEventsKernel(
  t: { teardown(fn: () => unknown): void },
  engine: TestEngine,
  options: { consumers?: readonly EventConsumer[]; env?: Record<string, string>; events?: EventsPluginOptions } = {},
): Promise<EventsKernel> {
  const kernel = await startTestKernel(t, {
    config: engine.config(options.env ?? {}),
    plugins: [tenantsPlugin, createEventsPlugin({ ...FAST, ...options.events }), probePlugin(options.consumers ?? [])],
  });
  return {
    kernel,
    api: kernel.host.service(tenantsApiRef),
    outbox: kernel.host.service(eventOutboxRef),
    bus: kernel.host.service(eventBusRef),
    events: kernel.host.instanceOf('events') as EventsRuntime,
  };
}

/** Polls until `check` holds or `ms` pass; returns whether it held. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, every = 25): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await sleep(every);
  }
}

export interface NatsServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGKILL: no goodbye to clients, as a crash or a network cut). */
  stop(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
}

/** A nats-server of the test's own, JetStream on, on a free port with a temp store dir. */
export async function startNatsServer(t: { teardown(fn: () => unknown): void }): Promise<NatsServer> {
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'dogan-nats-'));
  let child: ChildProcess | undefined;
  const url = `nats://127.0.0.1:${port}`;
  const start = async () => {
    const proc = spawn('/usr/sbin/nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store], { stdio: 'ignore' });
    child = proc;
    const until = Date.now() + 10_000;
    for (;;) {
      try {
        const nc = await connect({ servers: url, timeout: 500 });
        await nc.jetstreamManager();
        await nc.close();
        return;
      } catch (err) {
        if (Date.now() > until || proc.exitCode !== null) throw new Error(`nats-server did not start on ${port}: ${(err as Error).message}`);
        await sleep(100);
      }
    }
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGKILL');
    await exited;
  };
  await start();
  t.teardown(async () => {
    await stop();
    rmSync(store, { recursive: true, force: true });
  });
  return { url, port, stop, start };
}
