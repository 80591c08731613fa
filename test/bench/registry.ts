/**
 * `node --import tsx test/bench/registry.ts`: registry latencies on this machine, printed as a table.
 * - publish (HTTP multipart upload, inspection, signature check, store, commit) of a 200 KB module;
 * - download of its tarball, raw and through the platform client's full verification;
 * - search (English, Arabic, category, publisher, deep page) with BENCH_VERSIONS published versions
 *   (default 10,000: 1,000 modules x 10 versions, published in-process to save setup time).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '@dogan/marketplace-registry';
import { createPublisher } from '../registry/helpers/publisher.js';
import { startTestRegistry } from '../registry/helpers/registry-server.js';
import { manifestFor, signedRelease, upload } from '../registry/helpers/releases.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const TOTAL_VERSIONS = Number(process.env.BENCH_VERSIONS ?? 10_000);
const teardowns: Array<() => unknown> = [];
const t = { teardown: (fn: () => unknown) => void teardowns.push(fn) };

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, p50: at(0.5).toFixed(2), p95: at(0.95).toFixed(2), max: s[s.length - 1]!.toFixed(2) };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

const rows: Array<Record<string, unknown>> = [];
const reg = await startTestRegistry(t, { env: { REGISTRY_MAX_UPLOAD_BYTES: String(5 * 1024 * 1024) } });
const acme = await createPublisher(reg.url, 'acme');

// A 200 KB bundle that does not compress away: random base64 inside a string literal.
const bundle = Buffer.from(`export const blob = "${randomBytes(150 * 1024).toString('base64')}";\nexport default {};\n`);
const publishTimes: number[] = [];
let size = 0;
for (let i = 0; i < ROUNDS; i++) {
  const release = await signedRelease(acme.keys, manifestFor('acme.big', `1.0.${i}`), { bundle });
  size = release.tarball.length;
  publishTimes.push(await time(async () => {
    const res = await upload(reg.url, acme.token, 'acme.big', `1.0.${i}`, release);
    if (res.status !== 201) throw new Error(JSON.stringify(res.body));
  }));
}
rows.push({ operation: `publish ${(bundle.length / 1024).toFixed(0)} KB module (${(size / 1024).toFixed(0)} KB tgz), HTTP`, ...stats(publishTimes) });

const downloadTimes: number[] = [];
const verifiedTimes: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  downloadTimes.push(await time(async () => (await fetch(new URL(`v1/packages/acme.big/versions/1.0.${i}/tarball`, reg.url))).arrayBuffer()));
  const client = new RegistryClient({ baseUrl: reg.url, cacheDir: mkdtempSync(join(tmpdir(), 'dogan-bench-cache-')) });
  verifiedTimes.push(await time(() => client.fetchVerified('acme.big', `1.0.${i}`)));
}
rows.push({ operation: 'download tarball (raw HTTP)', ...stats(downloadTimes) });
rows.push({ operation: 'fetch + verify (metadata, keys, download, SHA-512, Ed25519, inspect, cache)', ...stats(verifiedTimes) });

// Fill the catalog in-process: same publish path minus HTTP.
const fillStart = performance.now();
const publisher = await reg.registry.publishers.authenticate(acme.token);
const words = ['invoice', 'payroll', 'inventory', 'shipping', 'loyalty', 'zakat', 'booking', 'survey'];
const arabic = ['فواتير', 'رواتب', 'مخزون', 'شحن', 'ولاء', 'زكاة', 'حجوزات', 'استبيان'];
const modules = Math.max(1, Math.round(TOTAL_VERSIONS / 10));
for (let m = 0; m < modules; m++) {
  for (let v = 0; v < Math.min(10, TOTAL_VERSIONS - m * 10); v++) {
    const w = m % words.length;
    const manifest = manifestFor(`acme.m${m}`, `1.${v}.0`, {
      name: { en: `${words[w]} tool ${m}`, ar: `أداة ${arabic[w]} ${m}` },
      category: ['accounting', 'hr', 'inventory', 'sales'][m % 4],
    });
    const release = await signedRelease(acme.keys, manifest);
    await reg.registry.publishing.publish({ publisher: publisher!, id: manifest.id, version: manifest.version, ...release });
  }
}
const fillSeconds = (performance.now() - fillStart) / 1000;

const queries: Array<[string, string]> = [
  ['search English text ("payroll")', 'q=payroll'],
  ['search Arabic text ("زكاة")', `q=${encodeURIComponent('زكاة')}`],
  ['search text + category', 'q=tool&category=hr'],
  ['search by publisher, page 20', 'publisher=acme&page=20&perPage=20'],
  ['search no match', 'q=nothingmatches'],
];
for (const [name, query] of queries) {
  const samples: number[] = [];
  let total = 0;
  for (let i = 0; i < ROUNDS * 3; i++) {
    samples.push(await time(async () => {
      total = ((await (await fetch(new URL(`v1/packages?${query}`, reg.url))).json()) as { total: number }).total;
    }));
  }
  rows.push({ operation: `${name} (${total} hits)`, ...stats(samples) });
}

console.log(`\nregistry benchmark, SQLite, Node ${process.version}; ${modules * 10 + ROUNDS} versions in the catalog (filled in ${fillSeconds.toFixed(1)} s); ms\n`);
console.table(rows);
for (const fn of teardowns.reverse()) await fn();
