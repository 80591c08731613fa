/**
 * `node --import tsx test/bench/webhooks.ts`: webhook deliveries per second from one node to a local
 * receiver, on SQLite and PostgreSQL. Events are handed to the `webhooks` consumer as the bus would,
 * BENCH_EVENTS of them (default 2,000) for one tenant with BENCH_WEBHOOKS webhooks (default 1); the
 * clock runs from the first event recorded to the last delivery received. Also prints p50/p99 of
 * recorded-to-received latency. WEBHOOKS_CONCURRENCY (default 16) bounds deliveries in flight.
 *
 * Prints a table, asserts nothing. BENCH_ENGINES=sqlite or =postgresql runs one engine only.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildKernel } from '@dogan/runtime';
import tenantsPlugin from '@dogan/tenants';
import webhooksPlugin, { webhooksApiRef } from '@dogan/plugin-webhooks';
import { ENGINES, openEngine, postgresUnavailable, type EngineName } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 2_000);
const HOOKS = Number(process.env.BENCH_WEBHOOKS ?? 1);
const CONCURRENCY = process.env.WEBHOOKS_CONCURRENCY ?? '16';
const engines = (process.env.BENCH_ENGINES?.split(',') as EngineName[] | undefined) ?? [...ENGINES];

const cleanups: Array<() => unknown> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}

/** A receiver answering 200 at once, noting when each event arrived. */
async function startReceiver(): Promise<{ url: string; arrivals: Map<string, number>; count: () => number }> {
  const arrivals = new Map<string, number>();
  let count = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      count++;
      const id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string }).id;
      if (!arrivals.has(id)) arrivals.set(id, performance.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench`, arrivals, count: () => count };
}

async function run(engineName: EngineName): Promise<string[]> {
  const engine = await openEngine(engineName, (fn) => cleanups.push(fn));
  const kernel = await buildKernel({
    config: engine.config({ LOG_LEVEL: 'warn', WEBHOOKS_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOKS_POLL_INTERVAL_MS: '20', WEBHOOKS_CONCURRENCY: CONCURRENCY }),
    plugins: [tenantsPlugin, webhooksPlugin],
  });
  cleanups.push(() => kernel.close());
  const tenant = await createTenantWithKey(kernel.app, { name: 'Bench', subdomain: 'bench' });
  const receiver = await startReceiver();
  for (let i = 0; i < HOOKS; i++) {
    const res = await kernel.app.inject({ method: 'POST', url: '/api/v1/bench/webhooks', headers: tenant.headers, payload: { url: receiver.url, eventTypes: ['*'] } });
    if (res.statusCode !== 201) throw new Error(`webhook: ${res.statusCode} ${res.body}`);
  }
  const webhooks = kernel.host.service(webhooksApiRef);
  const recorded = new Map<string, number>();
  const expected = EVENTS * HOOKS;
  const started = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    const id = randomUUID();
    recorded.set(id, performance.now());
    await webhooks.consumer.handle({ id, type: 'billing.invoice_issued', version: 1, tenantId: tenant.id, occurredAt: new Date().toISOString(), payload: { n: i } }, { attempt: 1, consumer: 'webhooks' });
  }
  const recordedIn = performance.now() - started;
  while (receiver.count() < expected) await new Promise((r) => setTimeout(r, 10));
  const elapsed = performance.now() - started;
  const latencies = [...recorded].map(([id, at]) => (receiver.arrivals.get(id) ?? NaN) - at);
  await cleanUp();
  return [engineName, String(expected), `${(expected / (elapsed / 1000)).toFixed(0)}/s`, `${(EVENTS / (recordedIn / 1000)).toFixed(0)}/s`, `${percentile(latencies, 0.5).toFixed(1)} ms`, `${percentile(latencies, 0.99).toFixed(1)} ms`];
}

const rows: string[][] = [['engine', 'deliveries', 'delivered', 'events recorded', 'p50 latency', 'p99 latency']];
for (const engine of engines) {
  if (engine === 'postgresql' && (await postgresUnavailable())) {
    process.stderr.write(`skipping PostgreSQL: ${await postgresUnavailable()}\n`);
    continue;
  }
  process.stderr.write(`${engine}: ${EVENTS} events x ${HOOKS} webhook(s), concurrency ${CONCURRENCY}...\n`);
  rows.push(await run(engine));
}
const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
for (const row of rows) process.stdout.write(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ') + '\n');
