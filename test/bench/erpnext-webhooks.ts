/**
 * `npm run bench:erpnext-webhooks`: ERPNext webhooks taken per second, from the HTTP request to the
 * event on the bus, on SQLite and PostgreSQL. BENCH_WEBHOOKS (default 2,000) signed webhooks, each a
 * different document, are POSTed over HTTP by BENCH_CONCURRENCY (default 16) keep-alive clients; the
 * clock runs from the first request to the last event handed to a bus subscriber. The baseline, in
 * the same run and process, is the same number of authenticated tenant reads (`GET` of the hook),
 * so the ratio says what signature, deduplication and the outbox cost over a plain tenant request.
 *
 * Prints a table, asserts nothing. BENCH_ENGINES=sqlite or =postgresql runs one engine only.
 */
import { createHmac } from 'node:crypto';
import { buildKernel, eventBusRef, startServer } from '@dogan/runtime';
import tenantsPlugin from '@dogan/tenants';
import eventsPlugin from '@dogan/plugin-events';
import erpnextPlugin from '@dogan/plugin-erpnext';
import { Agent, request } from 'undici';
import { ENGINES, openEngine, postgresUnavailable, type EngineName } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';

const WEBHOOKS = Number(process.env.BENCH_WEBHOOKS ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const engines = (process.env.BENCH_ENGINES?.split(',') as EngineName[] | undefined) ?? [...ENGINES];

const cleanups: Array<() => unknown> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

/** Sends `count` requests with `CONCURRENCY` in flight; resolves to the elapsed milliseconds. */
async function drive(count: number, send: (i: number) => Promise<number>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const status = await send(next++);
        if (status !== 200) throw new Error(`request answered ${status}`);
      }
    }),
  );
  return performance.now() - started;
}

async function run(engineName: EngineName): Promise<string[]> {
  const engine = await openEngine(engineName, (fn) => cleanups.push(fn));
  const kernel = await buildKernel({ config: engine.config({ LOG_LEVEL: 'warn', PORT: '0', ERPNEXT_ALLOW_PRIVATE_NETWORKS: 'true' }), plugins: [tenantsPlugin, eventsPlugin, erpnextPlugin] });
  cleanups.push(() => kernel.close());
  const server = await startServer(kernel);
  const base = server.url.replace('[::1]', '127.0.0.1');
  const tenant = await createTenantWithKey(kernel.app, { name: 'Bench', subdomain: 'bench' });
  await kernel.app.inject({ method: 'PUT', url: '/api/v1/bench/erpnext/connection', headers: tenant.headers, payload: { baseUrl: 'http://127.0.0.1:9', apiKey: 'k', apiSecret: 's', verify: false } });
  const created = await kernel.app.inject({ method: 'POST', url: '/api/v1/bench/erpnext/hooks', headers: tenant.headers, payload: { doctype: 'Sales Order', events: ['on_submit'] } });
  const hook = created.json() as { id: string; secret: string };
  let published = 0;
  const subscription = await kernel.host.service(eventBusRef).subscribe({ name: 'bench.erpnext', delivery: 'every-node', types: ['erpnext.*'], handle: async () => void published++ });
  cleanups.push(() => subscription.close());
  const dispatcher = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 });
  cleanups.push(() => dispatcher.close());

  const readMs = await drive(WEBHOOKS, async () => {
    const res = await request(`${base}/api/v1/bench/erpnext/hooks/${hook.id}`, { dispatcher, headers: tenant.headers });
    await res.body.dump();
    return res.statusCode;
  });

  const started = performance.now();
  const intakeMs = await drive(WEBHOOKS, async (i) => {
    const body = `{"doctype": "Sales Order", "name": "SAL-ORD-2026-${String(i).padStart(5, '0')}", "event": "on_submit", "modified": "2026-12-01 10:00:00.000000", "docstatus": 1, "doc": {"customer": "Bench", "grand_total": ${1000 + i}}}`;
    const res = await request(`${base}/api/webhooks/erpnext/bench/${hook.id}`, {
      dispatcher,
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-frappe-webhook-signature': createHmac('sha256', hook.secret).update(body).digest('base64') },
    });
    await res.body.dump();
    return res.statusCode;
  });
  const until = Date.now() + 60_000;
  while (published < WEBHOOKS && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  const publishedMs = performance.now() - started;
  await cleanUp();
  const perSecond = (ms: number) => Math.round((WEBHOOKS / ms) * 1000);
  return [
    `| ${engineName} | ${perSecond(readMs)} | ${perSecond(intakeMs)} | ${perSecond(publishedMs)} (${published}/${WEBHOOKS}) | ${(readMs / publishedMs).toFixed(2)} |`,
  ];
}

const rows: string[] = [];
for (const name of engines) {
  if (name === 'postgresql' && (await postgresUnavailable())) continue;
  rows.push(...(await run(name)));
}
console.log(`ERPNext webhook intake, ${WEBHOOKS} webhooks, ${CONCURRENCY} in flight, over HTTP keep-alive`);
console.log('| engine | baseline tenant reads/s | webhooks answered/s | webhooks on the bus/s | on the bus vs baseline |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
