/**
 * `node --conditions=dogan-source --import tsx test/bench/erpnext-client.ts`: ERPNext client `get`
 * requests per second against the Frappe simulator, over a keep-alive agent and over a fresh
 * connection per request, in the same run; prints both, their ratio, and the connections the
 * simulator accepted for each.
 *
 * BENCH_REQUESTS (default 2,000) gets per mode, BENCH_CONCURRENCY (default 8) in flight at once.
 * Both modes run twice, alternating, and the better run of each is kept, so neither gains from
 * warming up first. Prints a table, asserts nothing.
 */
import { FrappeClient, freshConnectionAgent, keepAliveAgent } from '@dogan/plugin-erpnext/client';
import { startFrappeSite } from '../simulators/frappe/index.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);

const site = await startFrappeSite({});
const agents: Record<'keep-alive' | 'fresh connection', ReturnType<typeof keepAliveAgent>> = { 'keep-alive': keepAliveAgent(), 'fresh connection': freshConnectionAgent() };

try {
  const seed = new FrappeClient({ baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret });
  const { name } = await seed.create<{ name: string }>('ToDo', { description: 'bench' });

  async function run(mode: keyof typeof agents): Promise<{ rps: number; connections: number }> {
    const client = new FrappeClient({ baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret, dispatcher: agents[mode] });
    const connectionsBefore = site.stats.connections;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < REQUESTS) await client.get('ToDo', name);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { rps: REQUESTS / seconds, connections: site.stats.connections - connectionsBefore };
  }

  const best: Record<string, { rps: number; connections: number }> = {};
  for (let round = 0; round < 2; round++) {
    for (const mode of Object.keys(agents) as Array<keyof typeof agents>) {
      const r = await run(mode);
      if (!best[mode] || r.rps > best[mode]!.rps) best[mode] = r;
    }
  }
  const keep = best['keep-alive']!;
  const fresh = best['fresh connection']!;
  console.log(`ERPNext client get(), ${REQUESTS} requests per run, ${CONCURRENCY} in flight, against the Frappe simulator (loopback)`);
  console.log('mode               requests/s   connections opened');
  for (const [mode, r] of Object.entries(best)) console.log(`${mode.padEnd(18)} ${r.rps.toFixed(0).padStart(10)}   ${String(r.connections).padStart(18)}`);
  console.log(`keep-alive / fresh connection: ${(keep.rps / fresh.rps).toFixed(2)}x`);
  console.log(`simulator totals: ${site.stats.requests} requests, ${site.stats.connections} connections, max ${site.stats.maxInFlight} in flight`);
} finally {
  await Promise.all(Object.values(agents).map((a) => a.close()));
  await site.close();
}
