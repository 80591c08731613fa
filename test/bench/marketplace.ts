/**
 * `npm run bench:marketplace`: time to install a 200 KB module on one tenant (first install: download,
 * verify, compile) and on 100 tenants, through the real install path (embedded registry, sandbox,
 * SQLite tenant databases). Prints a table; no assertions.
 */
import { loadavg } from 'node:os';
import { randomBytes } from 'node:crypto';
import { startMarketKernel, manifest } from '../marketplace/helpers.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';

const TENANTS = Number(process.env.BENCH_TENANTS ?? 100);
const teardowns: Array<() => unknown> = [];
const t = { teardown: (fn: () => unknown) => void teardowns.push(fn) };

// 200 KB of code: a module with a large (incompressible) data table, as real modules carry.
const filler = randomBytes(150 * 1024).toString('base64');
const code = `import { defineModule, storage } from 'dogan:module';
const TABLE = ${JSON.stringify(filler)};
export default defineModule({ routes: { size: async () => ({ status: 200, body: { size: TABLE.length } }) }, hooks: { install: async () => { await storage.insert('marks', { at: 'install' }); } } });`;
const big = {
  manifest: manifest({
    id: 'acme.big',
    version: '1.0.0',
    collections: [{ name: 'marks', schema: { type: 'object', properties: { at: { type: 'string' } } } }],
    routes: [{ method: 'GET', path: '/size', handler: 'size' }],
  }),
  code,
};

const { kernel, publish } = await startMarketKernel(t);
await publish(big.manifest, big.code);
const tenants = [];
for (let i = 0; i < TENANTS; i++) tenants.push(await createTenantWithKey(kernel.app, { name: `Bench ${i}`, subdomain: `bench-${i}`, locale: 'en' }));

const times: number[] = [];
const started = performance.now();
for (const tenant of tenants) {
  const t0 = performance.now();
  const res = await kernel.app.inject({ method: 'POST', url: `/api/v1/${tenant.subdomain}/modules/acme.big/install`, headers: tenant.headers, payload: { grants: ['store'] } });
  if (res.statusCode !== 201) throw new Error(`install failed: ${res.body}`);
  times.push(performance.now() - t0);
}
const total = performance.now() - started;
const check = await kernel.app.inject({ url: `/api/v1/${tenants[0]!.subdomain}/apps/acme.big/size`, headers: tenants[0]!.headers });
const sorted = [...times.slice(1)].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

console.log(`\nMarketplace install benchmark (module bundle ${Math.round(code.length / 1024)} KB; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')})`);
console.log(`first install (download, verify, compile, install hook)  ${times[0]!.toFixed(1)} ms`);
console.log(`next installs on other tenants: p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms`);
console.log(`${TENANTS} tenants in total                                ${(total / 1000).toFixed(2)} s`);
console.log(`module answers after install: ${check.statusCode} ${check.body}`);
for (const fn of teardowns.reverse()) await fn();
process.exit(0);
