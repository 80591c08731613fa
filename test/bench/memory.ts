/**
 * `npm run bench:memory`: what the platform costs at rest, run as `npm start` runs it (the compiled CLI,
 * embedded SQLite, demo tenant).
 *
 *   1. start-up: a fresh data dir, then BENCH_RESTARTS restarts on it; time from spawning node to the
 *      first 200 from `/ready` (p50 and worst of the restarts, and the first start);
 *   2. RSS of every process of the platform (the kernel, each sandbox host, anything else in its process
 *      group) 10 s after the demo tenant is ready; then with 100 and with 1,000 tenants touched (created
 *      and one request each), and with 200 isolates alive (200 tenants with the notes module, one call
 *      each). BENCH_TENANTS and BENCH_ISOLATES change the sizes.
 *
 * Prints tables, asserts nothing. NODE_FLAGS adds node flags to the platform (a comparison run).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOGAN_CLI } from '../helpers/dogan-command.js';
import { freePort } from '../helpers/free-port.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const ADMIN = 'bench-admin-token-0123456789abcdef';
const RESTARTS = Number(process.env.BENCH_RESTARTS ?? 5);
const TENANT_STEPS = (process.env.BENCH_TENANTS ?? '100,1000').split(',').map(Number);
const ISOLATES = Number(process.env.BENCH_ISOLATES ?? 200);
const SETTLE_MS = 10_000;
const EXTRA_FLAGS = (process.env.NODE_FLAGS ?? '').split(' ').filter(Boolean);
/** The node flags of `npm start`: `exec node <flags> <cli> start --demo`. */
const START_FLAGS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start.split(' ').filter((w) => w.startsWith('--') && w !== '--demo');

interface Running {
  child: ChildProcess;
  url: string;
  output(): string;
  readyMs: number;
}

async function start(dataDir: string, port: number): Promise<Running> {
  const spawnedAt = performance.now();
  // As `npm start` runs it (its node flags, from package.json), plus NODE_FLAGS.
  const child = spawn(process.execPath, [...START_FLAGS, ...EXTRA_FLAGS, DOGAN_CLI, 'start', '--demo'], {
    cwd: ROOT,
    env: { ...process.env, DOGAN_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', DOGAN_ADMIN_TOKEN: ADMIN, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the platform exited:\n${output}`);
    const ok = await fetch(`${url}/ready`).then((r) => r.status === 200, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const readyMs = performance.now() - spawnedAt;
  // The demo tenant is ready when the banner with its key is out.
  while (!/DOGAN_DEMO_KEY=\S+/.test(output)) {
    if (child.exitCode !== null) throw new Error(`the platform exited:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, url, output: () => output, readyMs };
}

async function stop(p: Running): Promise<void> {
  const exited = new Promise((r) => p.child.once('exit', r));
  process.kill(-p.child.pid!, 'SIGTERM');
  await exited;
}

/** RSS of every process in the platform's process group, by what it is. */
function groupRss(p: Running): Array<{ what: string; pid: number; mib: number }> {
  const out = execFileSync('ps', ['-o', 'pid=,rss=,args=', '-g', String(p.child.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [pid, rss, ...args] = l.split(/\s+/);
      const cmd = args.join(' ');
      const what = cmd.includes('sandbox/host/main') ? 'sandbox host' : cmd.includes('dogan.js') ? 'kernel (dogan start)' : cmd.slice(0, 40);
      return { what, pid: Number(pid), mib: Number(rss) / 1024 };
    });
}

async function api(p: Running, method: string, path: string, body?: unknown, key = ADMIN): Promise<{ status: number; body: any }> {
  const res = await fetch(p.url + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, body: parsed };
}

/** Runs `work` over `items`, `concurrency` at a time, printing progress to stderr. */
async function each<T>(label: string, items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await work(item);
        done++;
        if (done % 50 === 0 || done === items.length) process.stderr.write(`\r  ${label}: ${done}/${items.length}`);
      }
    }),
  );
  process.stderr.write('\n');
}

const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));
const rows: Array<{ state: string; processes: ReturnType<typeof groupRss> }> = [];
const record = (state: string, p: Running) => rows.push({ state, processes: groupRss(p) });

const dataDir = mkdtempSync(join(tmpdir(), 'dogan-bench-memory-'));
const port = await freePort();
try {
  // 1. Start-up.
  const first = await start(dataDir, port);
  await settle();
  record('idle, 10 s after the demo tenant is ready (first start)', first);
  await stop(first);
  const restarts: number[] = [];
  let platform: Running | undefined;
  for (let i = 0; i < RESTARTS; i++) {
    platform = await start(dataDir, port);
    restarts.push(platform.readyMs);
    if (i < RESTARTS - 1) await stop(platform);
  }
  const p = platform!;
  await settle();
  record('idle, 10 s after a restart', p);

  // 2. Tenants touched: created through the admin API, then one request each.
  let created = 0;
  for (const target of TENANT_STEPS) {
    const subs = Array.from({ length: target - created }, (_, i) => `bench-${created + i}`);
    await each(`tenants to ${target}`, subs, 4, async (sub) => {
      const res = await api(p, 'POST', '/api/admin/tenants', { name: sub, subdomain: sub });
      if (res.status !== 201) throw new Error(`create ${sub}: ${res.status} ${JSON.stringify(res.body)}`);
      const touched = await api(p, 'GET', `/api/v1/${sub}/modules`);
      if (touched.status !== 200) throw new Error(`touch ${sub}: ${touched.status} ${JSON.stringify(touched.body)}`);
    });
    created = target;
    await settle();
    record(`${target} tenants touched`, p);
  }

  // 3. Isolates alive: the notes module installed in ISOLATES tenants and called once in each.
  const subs = Array.from({ length: Math.min(ISOLATES, created) }, (_, i) => `bench-${i}`);
  await each('isolates', subs, 4, async (sub) => {
    const installed = await api(p, 'POST', `/api/v1/${sub}/modules/dogan.notes/install`, { grants: ['notes-storage'] });
    if (installed.status !== 201) throw new Error(`install in ${sub}: ${installed.status} ${JSON.stringify(installed.body)}`);
    const called = await api(p, 'GET', `/api/v1/${sub}/apps/dogan.notes/notes`);
    if (called.status !== 200) throw new Error(`call in ${sub}: ${called.status} ${JSON.stringify(called.body)}`);
  });
  await settle();
  record(`${subs.length} isolates alive`, p);
  await stop(p);

  const sorted = [...restarts].sort((a, b) => a - b);
  console.log(`\nStart-up to /ready (spawn of node to the first 200), embedded SQLite, node ${[...START_FLAGS, ...EXTRA_FLAGS].join(' ')}:`);
  console.log(`  first start (fresh data dir, demo tenant provisioned): ${first.readyMs.toFixed(0)} ms`);
  console.log(`  restarts (${RESTARTS}): p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms, worst ${sorted.at(-1)!.toFixed(0)} ms`);
  console.log('\nRSS of the platform\'s processes, MiB:');
  console.log('| state | kernel | sandbox hosts | other | total |');
  console.log('| --- | ---: | --- | ---: | ---: |');
  for (const { state, processes } of rows) {
    const kernel = processes.filter((x) => x.what.startsWith('kernel')).reduce((s, x) => s + x.mib, 0);
    const hosts = processes.filter((x) => x.what === 'sandbox host').map((x) => x.mib);
    const other = processes.filter((x) => !x.what.startsWith('kernel') && x.what !== 'sandbox host');
    const otherMib = other.reduce((s, x) => s + x.mib, 0);
    const total = processes.reduce((s, x) => s + x.mib, 0);
    const hostText = hosts.length ? `${hosts.length}: ${hosts.map((h) => h.toFixed(0)).join(' + ')}` : 'none';
    console.log(`| ${state} | ${kernel.toFixed(0)} | ${hostText} | ${otherMib.toFixed(0)}${other.length ? ` (${other.map((o) => o.what).join(', ')})` : ''} | ${total.toFixed(0)} |`);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
