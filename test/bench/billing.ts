/**
 * `node --import tsx test/bench/billing.ts`: what billing costs.
 * 1. Metering overhead on a plugin route: the same trivial tenant route in a kernel without and with
 *    the billing plugin (its quota check and counter), in one run, alternating, servers pinned to core
 *    0 and autocannon on core 1 when taskset exists. Goal: ≤ 5% fewer req/s.
 * 2. Invoice generation for 1,000 tenants: draft + issue (gapless number, VAT, ZATCA QR, Hijri date)
 *    per tenant, on SQLite and, when it answers, PostgreSQL.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { buildKernel, loadConfig } from '@dogan/runtime';
import ksaPlugin from '@dogan/plugin-ksa';
import tenantsPlugin from '@dogan/tenants';
import { billingServiceRef, createBillingPlugin } from '../../plugins/billing/src/index.js';

const root = new URL('../../', import.meta.url).pathname;
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const ADMIN = 'bench-admin-token-0123456789abcdef';

const base = {
  LOG_LEVEL: 'warn', DOGAN_ADMIN_TOKEN: ADMIN, PORT: '0', DOGAN_DEMO_TENANT: 'true', DEFAULT_PLAN: 'enterprise', TENANT_SWEEP_INTERVAL_MS: '86400000',
};
const variants = [
  { name: 'tenant route, no billing', plugins: 'tenants,ksa,./test/bench/tenant-hello-plugin.ts' },
  { name: 'tenant route, billing metering', plugins: 'tenants,ksa,./plugins/billing/src/index.ts,./test/bench/tenant-hello-plugin.ts' },
];

async function start(plugins: string): Promise<{ child: ChildProcess; url: string }> {
  const node = [process.execPath, '--import', 'tsx', 'plugins/distribution/src/cli/dogan.ts', 'start'];
  const [cmd, ...args] = hasTaskset ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(cmd!, args, { cwd: root, env: { ...process.env, ...base, DOGAN_PLUGINS: plugins, DOGAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'dogan-bench-')) }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /Dogan is running at (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`server exited before listening:\n${out}`)));
  });
  return { child, url };
}

async function load(url: string): Promise<number> {
  const result = await autocannon({ url, connections: 50, pipelining: 1, duration: seconds, headers: { authorization: `Bearer ${ADMIN}` } });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

async function metering(): Promise<Array<[string, number]>> {
  if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
  const totals = new Map<string, number[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const v of round % 2 ? variants : [...variants].reverse()) {
      const { child, url } = await start(v.plugins);
      const target = `${url.replace('localhost', '127.0.0.1')}/api/v1/demo/bench/hello`;
      await load(target).catch(() => 0);
      const rps = await load(target);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      totals.set(v.name, [...(totals.get(v.name) ?? []), rps]);
      process.stderr.write(`round ${round}: ${v.name}: ${Math.round(rps)} req/s\n`);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return variants.map((v) => [v.name, mean(totals.get(v.name)!)]);
}

async function invoices(engine: 'sqlite' | 'postgresql', count: number): Promise<number | undefined> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-bench-inv-'));
  let dbName: string | undefined;
  const env: Record<string, string> = { ...base, DOGAN_DEMO_TENANT: 'false', DOGAN_DATA_DIR: dataDir, DOGAN_SELLER_VAT_NUMBER: '399999999900003', LOG_LEVEL: 'silent' };
  if (engine === 'postgresql') {
    dbName = `dogan_bench_${randomUUID().slice(0, 8)}`;
    const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres', connectionTimeoutMillis: 2000 });
    try {
      await admin.connect();
      await admin.query(`CREATE DATABASE "${dbName}"`);
      await admin.end();
    } catch {
      return undefined;
    }
    env.DATABASE_URL = `postgresql://postgres@127.0.0.1:5432/${dbName}`;
  }
  const kernel = await buildKernel({ config: loadConfig({ envFile: false, env }), plugins: [tenantsPlugin, ksaPlugin, createBillingPlugin({ cycleIntervalMs: 0 })] });
  const billing = kernel.host.service(billingServiceRef);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const buyer = { id: randomUUID(), name: `Tenant ${i}`, country: 'SA', timezone: 'Asia/Riyadh' };
      const draft = await billing.invoices.draft({
        buyer, currency: 'SAR', periodStart: new Date(), periodEnd: new Date(),
        lines: [
          { kind: 'plan', description: { en: 'Professional plan (monthly)', ar: 'الباقة الاحترافية (شهري)' }, amount: 29_900 },
          { kind: 'overage', description: { en: 'API calls over the plan limit', ar: 'استدعاءات فوق الحد' }, amount: 37 },
        ],
      });
      await billing.invoices.issue(draft.invoice.id);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const ms = performance.now() - started;
  await kernel.close();
  if (dbName) {
    const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await admin.end();
  }
  return ms;
}

const invoiceCount = Number(process.env.BENCH_TENANTS ?? 1000);
const inv = process.env.BENCH_SKIP_INVOICES ? {} : { sqlite: await invoices('sqlite', invoiceCount), postgresql: await invoices('postgresql', invoiceCount) };
const results = process.env.BENCH_SKIP_HTTP ? [] : await metering();

console.log(`\nDogan billing benchmark (${rounds} rounds of ${seconds} s, 50 connections, servers ${hasTaskset ? 'pinned to core 0' : 'unpinned'})`);
console.log('metering'.padEnd(36) + 'req/s'.padStart(10) + 'vs. no billing'.padStart(16));
const baseline = results[0]?.[1] ?? 1;
for (const [name, rps] of results) console.log(name.padEnd(36) + String(Math.round(rps)).padStart(10) + `${(((rps - baseline) / baseline) * 100).toFixed(1)}%`.padStart(16));
console.log('\ninvoice generation'.padEnd(37) + 'total ms'.padStart(10) + 'ms/invoice'.padStart(16));
for (const [engine, ms] of Object.entries(inv)) {
  console.log(`${invoiceCount} tenants, ${engine}`.padEnd(36) + (ms === undefined ? 'skipped'.padStart(10) : String(Math.round(ms)).padStart(10) + (ms / invoiceCount).toFixed(2).padStart(16)));
}
