/**
 * `npm run bench:tenants`: what a database per tenant costs, on SQLite and PostgreSQL.
 *
 *   1. provisioning time, p50/p95, over BENCH_PROVISION tenants (default 30), one after another;
 *   2. the first request to a tenant whose database is not open (cold) against one already open (warm);
 *   3. scale: BENCH_TENANTS tenants (default 1,000) provisioned, then each touched once through a cache of
 *      BENCH_CACHE_SIZE open databases (default 100): RSS, and the most PostgreSQL connections to tenant
 *      databases seen while touching, against the bound cache size x TENANT_DB_POOL_MAX.
 *
 * Prints tables, asserts nothing. Every database it creates belongs to a throwaway PostgreSQL role and
 * is dropped at the end (also on Ctrl-C). BENCH_ENGINES=sqlite or =postgresql runs one engine only.
 */
import pg from 'pg';
import { buildKernel, type Kernel } from '@dogan/runtime';
import tenantsPlugin, { tenantsApiRef, type TenantsApi } from '@dogan/tenants';
import { ENGINES, openEngine, postgresUnavailable, POSTGRES_ADMIN_URL, type EngineName, type TestEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { createNotesPlugin } from '../tenants/fixtures/notes-plugin.js';

const PROVISION = Number(process.env.BENCH_PROVISION ?? 30);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 1_000);
const CACHE_SIZE = Number(process.env.BENCH_CACHE_SIZE ?? 100);
const POOL_MAX = Number(process.env.TENANT_DB_POOL_MAX ?? 1);
const PROVISION_CONCURRENCY = Number(process.env.BENCH_PROVISION_CONCURRENCY ?? 4);
const engines = (process.env.BENCH_ENGINES?.split(',') as EngineName[] | undefined) ?? [...ENGINES];

const cleanups: Array<() => unknown> = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
// Progress goes to stderr; a reader that went away (`| head`) must not crash the run before it cleans up.
process.stderr.on('error', () => undefined);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? NaN;
}
const ms = (n: number) => `${n.toFixed(1)} ms`;
const mb = (bytes: number) => `${Math.round(bytes / 1_048_576)} MB`;
const rows: Array<[string, string, string]> = [];
const report = (engine: string, what: string, value: string) => {
  rows.push([engine, what, value]);
  process.stderr.write(`  ${engine.padEnd(11)} ${what.padEnd(58)} ${value}\n`);
};

async function timed(run: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

async function expectStatus(kernel: Kernel, url: string, status: number, method: 'GET' | 'POST' = 'GET', payload?: object): Promise<void> {
  const res = await kernel.app.inject({ method, url, payload, headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  if (res.statusCode !== status) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
}

/** The tenants plugin with the notes plugin (one tenant migration and a table to read), as in the tests. */
async function startBenchKernel(engine: TestEngine, env: Record<string, string>): Promise<{ kernel: Kernel; api: TenantsApi; close(): Promise<void> }> {
  const kernel = await buildKernel({ config: engine.config({ LOG_LEVEL: 'warn', ...env }), plugins: [tenantsPlugin, createNotesPlugin()] });
  const api = kernel.host.service(tenantsApiRef);
  return { kernel, api, close: () => kernel.close() };
}

/** Sections 1 and 2: provisioning one after another, then cold and warm first requests. */
async function latency(engine: TestEngine): Promise<void> {
  const { kernel, api, close } = await startBenchKernel(engine, { TENANT_ORM_CACHE_SIZE: String(CACHE_SIZE) });
  try {
    const provisioning: number[] = [];
    for (let i = 0; i < PROVISION; i++) {
      provisioning.push(await timed(() => expectStatus(kernel, '/api/admin/tenants', 201, 'POST', { name: `Latency ${i}`, subdomain: `latency-${i}` })));
    }
    report(engine.name, `provisioning, ${PROVISION} tenants one by one: p50 / p95`, `${ms(percentile(provisioning, 0.5))} / ${ms(percentile(provisioning, 0.95))}`);

    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < PROVISION; i++) {
      const url = `/api/v1/latency-${i}/notes`;
      await expectStatus(kernel, url, 200); // directory and key caches warm, as for a tenant in use
      await api.databases.release((await api.tenants.get(`latency-${i}`)).id);
      cold.push(await timed(() => expectStatus(kernel, url, 200)));
      warm.push(await timed(() => expectStatus(kernel, url, 200)));
    }
    report(engine.name, 'first request, tenant database not open (cold): p50 / p95', `${ms(percentile(cold, 0.5))} / ${ms(percentile(cold, 0.95))}`);
    report(engine.name, 'request, tenant database open (warm): p50 / p95', `${ms(percentile(warm, 0.5))} / ${ms(percentile(warm, 0.95))}`);
  } finally {
    await close();
  }
}

/** Counts connections to this engine's tenant databases every few milliseconds; reports the most seen. */
async function connectionWatcher(role: string): Promise<{ stop(): Promise<number> }> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const res = await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE usename = $1 AND datname LIKE 'dogan_tenant_%'", [role]);
      max = Math.max(max, Number(res.rows[0]!.n));
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return max;
    },
  };
}

/** Section 3: many tenants through a bounded cache. */
async function scale(engine: TestEngine): Promise<void> {
  const { kernel, api, close } = await startBenchKernel(engine, { TENANT_ORM_CACHE_SIZE: String(CACHE_SIZE), TENANT_DB_POOL_MAX: String(POOL_MAX) });
  try {
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < TENANTS) {
        const i = next++;
        await api.tenants.create({ name: `Scale ${i}`, subdomain: `scale-${i}` }, 'bench');
        if ((i + 1) % 100 === 0) process.stderr.write(`    ${engine.name}: ${i + 1}/${TENANTS} provisioned\n`);
      }
    };
    await Promise.all(Array.from({ length: PROVISION_CONCURRENCY }, worker));
    report(engine.name, `provisioned ${TENANTS} tenants, ${PROVISION_CONCURRENCY} at a time`, `${((Date.now() - started) / 1000).toFixed(1)} s`);
    const afterProvisioning = process.memoryUsage().rss;

    const role = engine.name === 'postgresql' ? new URL(engine.env.DATABASE_URL!).username : undefined;
    const watcher = role ? await connectionWatcher(role) : undefined;
    const touches: number[] = [];
    const touchStart = Date.now();
    for (let i = 0; i < TENANTS; i++) touches.push(await timed(() => expectStatus(kernel, `/api/v1/scale-${i}/notes`, 200)));
    const touchSeconds = (Date.now() - touchStart) / 1000;
    const maxConnections = await watcher?.stop();
    global.gc?.();
    const rss = process.memoryUsage().rss;

    report(engine.name, `touched each of ${TENANTS} once (cache ${CACHE_SIZE}): p50 / p95`, `${ms(percentile(touches, 0.5))} / ${ms(percentile(touches, 0.95))} (${touchSeconds.toFixed(1)} s)`);
    report(engine.name, 'tenant databases open afterwards', `${api.databases.openCount} (cache size ${CACHE_SIZE})`);
    report(engine.name, 'RSS after provisioning / after touching all', `${mb(afterProvisioning)} / ${mb(rss)}`);
    if (maxConnections !== undefined) {
      report(engine.name, 'most tenant-database connections seen while touching', `${maxConnections} (bound ${CACHE_SIZE} x ${POOL_MAX} = ${CACHE_SIZE * POOL_MAX})`);
    }
  } finally {
    await close();
  }
}

async function main(): Promise<void> {
  const unreachable = await postgresUnavailable();
  for (const name of engines) {
    if (name === 'postgresql' && unreachable) {
      report(name, 'skipped', unreachable);
      continue;
    }
    process.stderr.write(`${name}: latency\n`);
    // Room for the tenant pools (the bound), the control plane's pool (10), admin clients and the watcher.
    const engine = await openEngine(name, (fn) => cleanups.push(fn), { connectionLimit: CACHE_SIZE * POOL_MAX + 20 });
    await latency(engine);
    process.stderr.write(`${name}: scale (${TENANTS} tenants)\n`);
    await scale(engine);
    process.stderr.write(`${name}: dropping what the run created\n`);
    await cleanUp();
  }
  const widths = [11, 62];
  process.stdout.write(`\n${'engine'.padEnd(widths[0]!)} ${'measure'.padEnd(widths[1]!)} value\n`);
  for (const [engine, what, value] of rows) process.stdout.write(`${engine.padEnd(widths[0]!)} ${what.padEnd(widths[1]!)} ${value}\n`);
  process.stdout.write(
    `\nGoals: PostgreSQL provisioning p50 < 300 ms; cold first request < 50 ms; ${TENANTS === 1000 ? '1,000' : TENANTS} tenants RSS < 1 GB; connections never above the bound.\n`,
  );
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
    await cleanUp().catch(() => undefined);
    process.exit(1);
  },
);
