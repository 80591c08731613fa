/**
 * `npm run bench:events`: platform events on one node, through the transactional outbox to a durable
 * shared consumer, on the in-process bus and on NATS JetStream (a nats-server of its own, file store).
 *
 * For each engine (SQLite; PostgreSQL when it answers) and bus: BENCH_EVENTS events (default 2,000),
 * each recorded in a control-plane transaction of its own (`outbox.emit`), BENCH_CONCURRENCY at a time
 * (default 8); the consumer notes when each arrives. Prints events/s from the first record to the last
 * handled, p50/p99 latency from the record call to the handler, and JetStream against the in-process
 * bus as ratios. Asserts nothing. BENCH_ENGINES=sqlite or =postgresql runs one engine only.
 */
import type { PlatformEvent } from '@dogan/runtime';
import { ENGINES, openEngine, postgresUnavailable, type EngineName } from '../helpers/engines.js';
import { eventually, ProbeConsumer, startEventsKernel, startNatsServer } from '../events/helpers.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const engines = (process.env.BENCH_ENGINES?.split(',') as EngineName[] | undefined) ?? [...ENGINES];
type Bus = 'in-process' | 'jetstream';

const cleanups: Array<() => unknown> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
process.stderr.on('error', () => undefined);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

/** Notes the moment each event reaches the handler, on top of the probe's bookkeeping. */
class TimedConsumer extends ProbeConsumer {
  readonly arrivedAt = new Map<string, number>();
  override async handle(event: PlatformEvent, ctx: { attempt: number }): Promise<void> {
    this.arrivedAt.set(event.id, performance.now());
    return super.handle(event, ctx);
  }
}

interface Result {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
}

async function run(engineName: EngineName, bus: Bus): Promise<Result> {
  const local: Array<() => unknown> = [];
  const scope = { teardown: (fn: () => unknown) => void local.push(fn) };
  try {
    const engine = await openEngine(engineName, (fn) => scope.teardown(fn));
    const env: Record<string, string> = { LOG_LEVEL: 'warn' };
    if (bus === 'jetstream') env.NATS_URL = (await startNatsServer(scope)).url;
    const consumer = new TimedConsumer('bench', ['acme.bench.*']);
    const { outbox } = await startEventsKernel(scope, engine, { consumers: [consumer], env, events: { relayIntervalMs: 1_000 } });
    const recordedAt = new Map<string, number>();
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < EVENTS) {
        const id = `bench-${String(next++).padStart(8, '0')}`;
        recordedAt.set(id, performance.now());
        await outbox.emit([{ id, type: 'acme.bench.happened', tenantId: null, payload: { id } }]);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    if (!(await eventually(() => consumer.arrivedAt.size >= EVENTS, 120_000, 10))) throw new Error(`only ${consumer.arrivedAt.size}/${EVENTS} events arrived`);
    const elapsed = Math.max(...consumer.arrivedAt.values()) - started;
    const latencies = [...consumer.arrivedAt].map(([id, at]) => at - recordedAt.get(id)!);
    return { perSecond: (EVENTS / elapsed) * 1000, p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) };
  } finally {
    while (local.length > 0) await local.pop()!();
  }
}

const results: Array<{ engine: EngineName; bus: Bus; result: Result }> = [];
try {
  for (const engine of engines) {
    if (engine === 'postgresql' && (await postgresUnavailable())) {
      process.stderr.write(`skipping PostgreSQL: ${await postgresUnavailable()}\n`);
      continue;
    }
    for (const bus of ['in-process', 'jetstream'] as const) {
      process.stderr.write(`  ${engine} / ${bus}: ${EVENTS} events, ${CONCURRENCY} at a time...\n`);
      results.push({ engine, bus, result: await run(engine, bus) });
    }
  }
  console.log(`\nEvents through the outbox to one durable consumer, one node (${EVENTS} events, ${CONCURRENCY} recording at once)\n`);
  console.log(`${'engine'.padEnd(11)} ${'bus'.padEnd(11)} ${'events/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`);
  for (const { engine, bus, result } of results) {
    console.log(`${engine.padEnd(11)} ${bus.padEnd(11)} ${result.perSecond.toFixed(0).padStart(9)} ${result.p50.toFixed(1).padStart(8)} ${result.p99.toFixed(1).padStart(8)}`);
  }
  console.log('\nJetStream against the in-process bus (same engine):');
  for (const engine of engines) {
    const base = results.find((r) => r.engine === engine && r.bus === 'in-process')?.result;
    const js = results.find((r) => r.engine === engine && r.bus === 'jetstream')?.result;
    if (!base || !js) continue;
    console.log(`  ${engine.padEnd(11)} throughput x${(js.perSecond / base.perSecond).toFixed(2)}, p50 x${(js.p50 / base.p50).toFixed(2)}, p99 x${(js.p99 / base.p99).toFixed(2)}`);
  }
} finally {
  await cleanUp();
}
