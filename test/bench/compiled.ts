/**
 * `npm run bench:compiled`: the platform as it ran before the production build (TypeScript through tsx in
 * the kernel and the sandbox hosts) against the compiled output `npm start` runs now, in one run.
 *
 * For each build, the real `dogan start --demo` on SQLite, pinned to core 0 (autocannon runs on core 1):
 * a plugin route and the demo's notes module route through the same pipeline (same tenant, same key),
 * req/s and server CPU µs per request (kernel plus sandbox hosts, read from /proc, so other load on the
 * machine does not bend it). Rounds alternate between the builds. Prints a table, asserts nothing.
 *
 * Variables: BENCH_SECONDS (5), BENCH_ROUNDS (2), BENCH_CONNECTIONS (20).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { DOGAN_CLI } from '../helpers/dogan-command.js';
import { freePort } from '../helpers/free-port.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

const BUILDS = {
  'source (tsx)': ['--conditions=dogan-source', '--import', 'tsx', 'plugins/distribution/src/cli/dogan.ts'],
  // As `npm start` runs it.
  'compiled (dist)': ['--enable-source-maps', DOGAN_CLI],
} as const;
type Build = keyof typeof BUILDS;

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
if (hasTaskset) spawnSync('taskset', ['-acp', '1', String(process.pid)], { stdio: 'ignore' });

/** CPU seconds (user + system) of every process in a process group, from /proc. */
function groupCpuSeconds(pgid: number): number {
  const pids = execFileSync('ps', ['-o', 'pid=', '-g', String(pgid)], { encoding: 'utf8' }).split('\n').map((l) => l.trim()).filter(Boolean);
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      total += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // exited meanwhile
    }
  }
  return total;
}

async function startBuild(build: Build, dataDir: string): Promise<{ child: ChildProcess; url: string; key: string }> {
  const port = await freePort();
  const node = [process.execPath, ...BUILDS[build], 'start', '--demo'];
  const [cmd, ...args] = hasTaskset ? ['taskset', '-c', '0', ...node] : node;
  const child = spawn(cmd!, args, {
    cwd: ROOT,
    env: { ...process.env, DOGAN_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn', USAGE_TRACKING_ENABLED: 'false', SANDBOX_HOSTS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  for (;;) {
    const key = /DOGAN_DEMO_KEY=(\S+)/.exec(output)?.[1];
    if (key) return { child, url: `http://127.0.0.1:${port}`, key };
    if (child.exitCode !== null) throw new Error(`${build} exited:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const routes = { 'plugin route': '/api/v1/demo/info', 'module route': '/api/v1/demo/apps/dogan.notes/notes' } as const;
type Route = keyof typeof routes;
const results = new Map<string, Array<{ rps: number; cpuUs: number }>>();

for (let round = 0; round < ROUNDS; round++) {
  for (const build of Object.keys(BUILDS) as Build[]) {
    const dataDir = mkdtempSync(join(tmpdir(), 'dogan-bench-compiled-'));
    const server = await startBuild(build, dataDir);
    try {
      for (const route of Object.keys(routes) as Route[]) {
        const request = { method: 'GET' as const, path: routes[route], headers: { authorization: `Bearer ${server.key}` } };
        const probe = await fetch(server.url + request.path, { headers: request.headers });
        if (probe.status !== 200) throw new Error(`${build} ${route}: ${probe.status} ${await probe.text()}`);
        // Warm-up: the first calls compile (tsx) and JIT (both), and start the sandbox host.
        await autocannon({ url: server.url, connections: CONNECTIONS, duration: 1, requests: [request] });
        const before = groupCpuSeconds(server.child.pid!);
        const run = await autocannon({ url: server.url, connections: CONNECTIONS, duration: SECONDS, requests: [request] });
        const cpu = groupCpuSeconds(server.child.pid!) - before;
        if (run.non2xx > 0 || run.errors > 0) throw new Error(`${build} ${route}: ${run.non2xx} non-2xx, ${run.errors} errors`);
        const key = `${route}|${build}`;
        results.set(key, [...(results.get(key) ?? []), { rps: run.requests.average, cpuUs: (cpu / run.requests.total) * 1e6 }]);
        process.stderr.write(`round ${round + 1} ${build} ${route}: ${run.requests.average.toFixed(0)} req/s\n`);
      }
    } finally {
      process.kill(-server.child.pid!, 'SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`\nSource vs compiled, ${ROUNDS} round(s) of ${SECONDS} s, ${CONNECTIONS} connections${hasTaskset ? ', server on core 0' : ''} (median of rounds):`);
console.log('| route | build | req/s | server CPU µs/req | CPU vs source |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const route of Object.keys(routes) as Route[]) {
  const base = median(results.get(`${route}|source (tsx)`)!.map((r) => r.cpuUs));
  for (const build of Object.keys(BUILDS) as Build[]) {
    const rs = results.get(`${route}|${build}`)!;
    const cpu = median(rs.map((r) => r.cpuUs));
    console.log(`| ${route} | ${build} | ${median(rs.map((r) => r.rps)).toFixed(0)} | ${cpu.toFixed(0)} | ${(cpu / base).toFixed(2)}x |`);
  }
}
const moduleOverPlugin = (build: Build) => median(results.get(`module route|${build}`)!.map((r) => r.cpuUs)) / median(results.get(`plugin route|${build}`)!.map((r) => r.cpuUs));
console.log(`\nmodule route CPU / plugin route CPU: source ${moduleOverPlugin('source (tsx)').toFixed(2)}x, compiled ${moduleOverPlugin('compiled (dist)').toFixed(2)}x`);
