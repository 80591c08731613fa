/**
 * `npm run bench:workflows`: the durable engine's throughput and what it adds to each step, on SQLite
 * and PostgreSQL, and emails per second to a local SMTP server.
 *
 * 1. Steps per second: BENCH_RUNS (default 40) runs of a workflow of BENCH_STEPS (default 20) `set`
 *    steps, started at once; a `set` step has no side effect, so its cost is the engine's own: two
 *    step-record writes, the run's variables, claims. Steps per second = runs x steps / time to the
 *    last completion.
 * 2. Overhead per step: one run at a time of a workflow of 10 `http` steps to a local HTTP server
 *    (BENCH_HTTP_RUNS, default 10, after 2 warm-up runs); baseline in the same run, interleaved: the
 *    same 10 requests sent with fetch one after another. Overhead = (run time - baseline) / 10, and the
 *    ratio of a step to a bare request.
 * 3. Emails per second through the email plugin's queue to an SMTP server in this process
 *    (test/bench/email-send.ts).
 *
 * The kernel runs with WORKFLOWS_POLL_INTERVAL_MS=10 and WORKFLOWS_CONCURRENCY=16. Prints tables,
 * asserts nothing. BENCH_ENGINES=sqlite or =postgresql runs one engine only.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { buildKernel, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin from '@dogan/tenants';
import eventsPlugin from '@dogan/plugin-events';
import { createWorkflowsPlugin } from '@dogan/plugin-workflows';
import { ENGINES, openEngine, type EngineName } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { benchEmailSend } from './email-send.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const STEPS = Number(process.env.BENCH_STEPS ?? 20);
const HTTP_RUNS = Number(process.env.BENCH_HTTP_RUNS ?? 10);
const HTTP_STEPS = 10;
const engines = (process.env.BENCH_ENGINES?.split(',') as EngineName[] | undefined) ?? [...ENGINES];

const cleanups: Array<() => unknown> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bench(engineName: EngineName): Promise<{ stepsPerSecond: number; stepMs: number; fetchMs: number }> {
  const engine = await openEngine(engineName, (fn) => cleanups.push(fn));
  const config = engine.config({ LOG_LEVEL: 'warn', WORKFLOWS_POLL_INTERVAL_MS: '10', WORKFLOWS_CONCURRENCY: '16', WORKFLOWS_HTTP_ALLOW_PRIVATE_NETWORKS: 'true', WORKFLOWS_DEFAULTS: 'false' });
  const kernel = await buildKernel({ config, plugins: [tenantsPlugin, eventsPlugin as PluginDefinition, createWorkflowsPlugin() as PluginDefinition] });
  cleanups.push(() => kernel.close());
  const tenant = await createTenantWithKey(kernel.app, { name: 'Bench', subdomain: 'bench' });
  const call = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await kernel.app.inject({ method, url: `/api/v1/bench${url}`, headers: tenant.headers, ...(payload ? { payload } : {}) });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as Record<string, any>;
  };
  const completed = async (workflowId: string, count: number) => {
    for (;;) {
      const runs = (await call('GET', `/workflows/${workflowId}/runs?limit=200`)).items as Array<{ status: string }>;
      if (runs.some((r) => r.status === 'failed')) throw new Error('a bench run failed');
      if (runs.filter((r) => r.status === 'completed').length >= count) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  // 1. Steps per second.
  const sets = await call('POST', '/workflows', {
    name: 'Sets',
    trigger: { type: 'manual' },
    steps: Array.from({ length: STEPS }, (_, i) => ({ id: `s${i}`, type: 'set', values: { [`v${i}`]: i } })),
  });
  const started = performance.now();
  await Promise.all(Array.from({ length: RUNS }, () => call('POST', `/workflows/${sets.id}/run`, { input: {} })));
  await completed(sets.id as string, RUNS);
  const stepsPerSecond = (RUNS * STEPS) / ((performance.now() - started) / 1000);

  // 2. Overhead per step against bare requests to the same server.
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/step`;
  const https = await call('POST', '/workflows', {
    name: 'HTTP',
    trigger: { type: 'manual' },
    steps: Array.from({ length: HTTP_STEPS }, (_, i) => ({ id: `h${i}`, type: 'http', method: 'POST', url, body: { i } })),
  });
  const stepTimes: number[] = [];
  const fetchTimes: number[] = [];
  for (let i = 0; i < HTTP_RUNS + 2; i++) {
    const t0 = performance.now();
    const run = await call('POST', `/workflows/${https.id}/run`, { input: {} });
    for (;;) {
      const r = await call('GET', `/workflows/${https.id}/runs/${run.id}`);
      if (r.status === 'completed') break;
      if (r.status === 'failed') throw new Error(JSON.stringify(r.error));
      await new Promise((res) => setTimeout(res, 2));
    }
    const runMs = performance.now() - t0;
    const f0 = performance.now();
    for (let s = 0; s < HTTP_STEPS; s++) await (await fetch(url, { method: 'POST', body: JSON.stringify({ s }), headers: { 'content-type': 'application/json' } })).text();
    const fetchMs = performance.now() - f0;
    if (i >= 2) {
      stepTimes.push(runMs / HTTP_STEPS);
      fetchTimes.push(fetchMs / HTTP_STEPS);
    }
  }
  await cleanUp();
  return { stepsPerSecond, stepMs: median(stepTimes), fetchMs: median(fetchTimes) };
}

console.log(`# bench:workflows — ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${RUNS} runs x ${STEPS} set steps; ${HTTP_RUNS} runs x ${HTTP_STEPS} http steps`);
console.log('| engine | set steps/s | http step (median ms) | bare request (ms) | overhead per step (ms) | step vs request |');
console.log('|---|---|---|---|---|---|');
for (const name of engines) {
  const r = await bench(name);
  console.log(`| ${name} | ${r.stepsPerSecond.toFixed(0)} | ${r.stepMs.toFixed(2)} | ${r.fetchMs.toFixed(2)} | ${(r.stepMs - r.fetchMs).toFixed(2)} | ${(r.stepMs / r.fetchMs).toFixed(1)}x |`);
}
await benchEmailSend({ engines });
await cleanUp();
