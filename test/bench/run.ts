/**
 * `npm run bench`: req/s of a bare Fastify hello, the kernel's /health and a plugin route through the
 * full pipeline, measured in one run and printed as ratios to bare Fastify (absolute numbers vary 2x
 * between runs on this machine; ratios within a run much less). Servers are pinned to core 0 and the
 * load generator to core 1 when `taskset` exists. BENCH_ROUNDS (10) rounds of BENCH_SECONDS (2) per
 * target.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';

const root = new URL('../../', import.meta.url).pathname;
const seconds = Number(process.env.BENCH_SECONDS ?? 2);
const rounds = Number(process.env.BENCH_ROUNDS ?? 10);
const warmupSeconds = 3;
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

interface Target {
  name: string;
  args: string[];
  path: string;
  env?: Record<string, string>;
}

const kernelEnv = {
  DOGAN_PLUGINS: 'platform-info,./test/bench/hello-plugin.ts',
  LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  DOGAN_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef',
  PORT: '0',
};
const targets: Target[] = [
  { name: 'bare Fastify hello', args: ['test/bench/bare-fastify.ts'], path: '/hello' },
  { name: 'kernel GET /health', args: ['plugins/distribution/src/cli/dogan.ts', 'start'], path: '/health', env: kernelEnv },
  { name: 'plugin route (full pipeline)', args: ['plugins/distribution/src/cli/dogan.ts', 'start'], path: '/api/v1/bench/hello', env: kernelEnv },
];

const dataDirs: string[] = [];

async function startServer(target: Target): Promise<{ child: ChildProcess; url: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-bench-'));
  dataDirs.push(dataDir);
  const node = [process.execPath, '--import', 'tsx', ...target.args];
  const [cmd, ...args] = hasTaskset ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(cmd!, args, {
    cwd: root,
    env: { ...process.env, DOGAN_DATA_DIR: dataDir, ...target.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /(?:LISTENING|Dogan is running at) (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`${target.name} exited before listening:\n${out}`)));
  });
  return { child, url };
}

/** CPU seconds (user + system) a process has used so far, from /proc: immune to other load on the machine. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return NaN;
  }
}

async function load(url: string, pid?: number, duration = seconds): Promise<{ rps: number; cpuUsPerRequest: number }> {
  const before = pid ? cpuSeconds(pid) : NaN;
  const result = await autocannon({ url, connections: 50, pipelining: 1, duration });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const cpu = pid ? cpuSeconds(pid) - before : NaN;
  return { rps: result.requests.average, cpuUsPerRequest: (cpu / result.requests.total) * 1e6 };
}

if (hasTaskset) spawnSync('taskset', ['-cp', '1', String(process.pid)], { stdio: 'ignore' });
// All three servers run side by side (only the one under load uses its core) and take turns in short
// slices, so every slice of bare Fastify has slices of the others right next to it: load that comes
// and goes on the machine hits them alike, and the per-slice ratios pair like with like.
const servers: Array<{ target: Target; child: ChildProcess; url: string }> = [];
for (const target of targets) servers.push({ target, ...(await startServer(target)) });
for (const s of servers) await load(s.url + s.target.path, undefined, warmupSeconds).catch(() => 0); // JIT and pools
const totals = new Map<string, number[]>();
const cpuTotals = new Map<string, number[]>();
for (let round = 1; round <= rounds; round++) {
  // Rotate the order each round so no target always runs first (or right after another).
  const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
  const line: string[] = [];
  for (const { target, child, url } of order) {
    // taskset execs node in place, so the child's pid is the server's.
    const { rps, cpuUsPerRequest } = await load(url + target.path, child.pid);
    totals.set(target.name, [...(totals.get(target.name) ?? []), rps]);
    cpuTotals.set(target.name, [...(cpuTotals.get(target.name) ?? []), cpuUsPerRequest]);
    line.push(`${target.name} ${Math.round(rps)} req/s (${cpuUsPerRequest.toFixed(1)} µs CPU)`);
  }
  process.stderr.write(`round ${round}: ${line.join(', ')}\n`);
}
for (const { child } of servers) {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const base = mean(totals.get(targets[0]!.name)!);
const baseCpu = mean(cpuTotals.get(targets[0]!.name)!);
console.log(`\nDogan kernel benchmark: ${rounds} rounds of ${seconds} s per target, 50 connections, servers ${hasTaskset ? 'pinned to core 0' : 'unpinned'}`);
console.log('target'.padEnd(32) + 'req/s'.padStart(10) + 'ratio to bare'.padStart(16) + 'CPU µs/req'.padStart(13) + 'throughput by CPU'.padStart(20));
for (const t of targets) {
  const rps = mean(totals.get(t.name)!);
  const cpu = mean(cpuTotals.get(t.name)!);
  console.log(t.name.padEnd(32) + String(Math.round(rps)).padStart(10) + (rps / base).toFixed(2).padStart(16) + cpu.toFixed(1).padStart(13) + (baseCpu / cpu).toFixed(2).padStart(20));
}
console.log('\n"throughput by CPU" = bare CPU per request / target CPU per request: the req/s ratio a dedicated core would give.');

// The median of per-round ratios is steadier than the ratio of means when a neighbour's load lands
// on one slice.
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const bareRounds = totals.get(targets[0]!.name)!;
console.log('\nper-round ratio to bare (req/s): median [min - max]');
for (const t of targets.slice(1)) {
  const ratios = totals.get(t.name)!.map((rps, i) => rps / bareRounds[i]!);
  console.log(`${t.name.padEnd(32)}${median(ratios).toFixed(2).padStart(10)}   [${Math.min(...ratios).toFixed(2)} - ${Math.max(...ratios).toFixed(2)}]`);
}
for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
