/**
 * `npm run bench:sandbox`: the sandbox's figures in one run, printed as a table.
 *
 * The server (a kernel with the tenants and modules plugins, on SQLite, one sandbox host by default)
 * runs in a child process of this script (`sandbox.ts --server`) pinned to core 0 with taskset; its
 * sandbox hosts are forked by it and inherit the pin. This process and autocannon run on core 1.
 * The server announces its URL, tenants and keys on stdout and answers control messages (host pids,
 * cold starts, RSS, crash recovery) over the IPC channel.
 *
 * Figures:
 * - plugin route vs module route through the same pipeline (same tenant, same API key, the tenants
 *   plugin's preHandler): req/s, and server CPU µs per request read from /proc for the kernel process
 *   plus every sandbox host process (immune to other load on the machine, unlike req/s);
 * - the module route with the tenant rotated over 200 tenants (their own keys and isolates);
 * - cold start of an evicted tenant's isolate (evict, then time the first call);
 * - RSS per idle isolate (host RSS before and after creating N isolates, on a fresh host);
 * - time from SIGKILL of a host until a call succeeds again.
 *
 * Variables: BENCH_SECONDS (5), BENCH_ROUNDS (2), BENCH_CONNECTIONS (50), BENCH_TENANTS (200),
 * BENCH_SANDBOX_HOSTS (1: the server has one core), BENCH_CRASH_RUNS (5), BENCH_COLD_TENANTS (100).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleRuntime as Runtime } from '../../plugins/modules/src/index.js';
import type { TenantsApi } from '@dogan/tenants';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 200);
const HOSTS = Number(process.env.BENCH_SANDBOX_HOSTS ?? 1);
const CRASH_RUNS = Number(process.env.BENCH_CRASH_RUNS ?? 5);
const COLD_TENANTS = Math.min(TENANTS, Number(process.env.BENCH_COLD_TENANTS ?? 100));
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const MODULE_ID = 'bench.hello';

interface Announce {
  url: string;
  pid: number;
  tenants: Array<{ id: string; subdomain: string; key: string }>;
}
type Command = { cmd: 'pids' } | { cmd: 'cold'; n: number } | { cmd: 'rss'; n: number } | { cmd: 'crash'; runs: number };
interface Reply {
  seq: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

function quantiles(samples: number[]): { n: number; p50: number; p95: number; min: number; max: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.max(0, Math.ceil(q * s.length) - 1)]!; // nearest rank
  return { n: s.length, p50: at(0.5), p95: at(0.95), min: s[0]!, max: s[s.length - 1]! };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The server: a kernel with tenants, modules and a plugin route, TENANTS + 1 tenants, one module.
// ---------------------------------------------------------------------------------------------
async function serve(): Promise<void> {
  const { buildKernel, definePlugin, loadConfig, tenantPolicy } = await import('@dogan/runtime');
  const tenantsModule = await import('@dogan/tenants');
  const { createModulesPlugin, moduleFromSource, modulesRuntimeRef } = await import('../../plugins/modules/src/index.js');
  const { tenantsApiRef } = tenantsModule;

  let runtime: Runtime | undefined;
  let api: TenantsApi | undefined;
  const benchPlugin = definePlugin({
    name: 'bench-sandbox',
    version: '1.0.0',
    kernel: '^0.1.0',
    dependencies: { tenants: '^0.1.0', modules: '^0.1.0' },
    deps: { tenants: tenantsApiRef, runtime: modulesRuntimeRef },
    init(ctx) {
      api = ctx.services.get(tenantsApiRef);
      runtime = ctx.services.get(modulesRuntimeRef);
    },
    async routes(app) {
      // The module route's logic as a plugin route, behind the same policy (tenant, read) the module's GET routes declare.
      app.get('/api/v1/:tenant/plugin-hello', { config: { policy: tenantPolicy('read') } }, async () => ({ hello: 'world' }));
    },
  });

  const dataDir = mkdtempSync(join(tmpdir(), 'dogan-bench-sandbox-'));
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({
    envFile: false,
    env: { DOGAN_DATA_DIR: dataDir, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', DOGAN_ADMIN_TOKEN: ADMIN_TOKEN, PORT: '0', HOST: '127.0.0.1' },
  });
  const kernel = await buildKernel({
    config,
    plugins: [tenantsModule.default, createModulesPlugin({ sandbox: { hosts: HOSTS } }), benchPlugin],
  });
  const url = await kernel.app.listen({ port: 0, host: '127.0.0.1' });
  const rt = runtime!;
  const tenantsApi = api!;

  const module = rt.register(
    moduleFromSource(
      {
        id: MODULE_ID,
        version: '1.0.0',
        engine: '^0.1.0',
        name: { en: 'Bench hello', ar: 'مرحبا' },
        description: { en: 'Returns {hello: "world"}', ar: 'مرحبا' },
        category: 'developer',
        pricing: { model: 'free' },
        permissions: [],
        collections: [],
        routes: [{ method: 'GET', path: '/hello', handler: 'hello' }],
        events: [],
        jobs: [],
        agentTools: [],
        dependencies: {},
      } as never,
      `export const routes = { hello: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: { hello: 'world' } }) };\n`,
      'bench',
    ),
  );

  // Tenant 0 serves the single-tenant comparison; tenants 1..TENANTS the multi-tenant figures.
  const tenants: Announce['tenants'] = [];
  for (let i = 0; i <= TENANTS; i++) {
    const tenant = await tenantsApi.tenants.create({ name: `Bench ${i}`, subdomain: `bench-${i}`, locale: 'en' }, 'bench');
    const { key } = await tenantsApi.keys.create(tenant.id, { name: 'bench', scopes: ['read'] });
    await rt.enableForTenant(tenant.id, MODULE_ID, []);
    tenants.push({ id: tenant.id, subdomain: tenant.subdomain, key });
  }
  const tenantRecords = await Promise.all(tenants.map((t) => tenantsApi.tenants.get(t.id)));
  const request = { method: 'GET', path: '/hello', query: {}, headers: {}, body: null };
  const call = (i: number) => rt.invokeRoute(tenantRecords[i]!, MODULE_ID, request);
  const hostOf = (i: number) => rt.pool.hostIndexFor(tenants[i]!.id);
  const hostPids = () => Array.from({ length: HOSTS }, (_, i) => rt.pool.hostPid(i)).filter((p): p is number => p !== undefined);

  async function hostStats(index: number) {
    return (await rt.pool.stats())[index]!;
  }

  const commands = {
    pids: async () => ({ kernel: process.pid, hosts: hostPids() }),

    /** Evicts tenant i's isolate and times its next call (the host builds, compiles and evaluates again). */
    cold: async ({ n }: { n: number }) => {
      const cold: number[] = [];
      const warm: number[] = [];
      for (let i = 1; i <= n; i++) {
        await call(i); // alive and warm
        let start = performance.now();
        await call(i);
        warm.push(performance.now() - start);
        rt.pool.evict(tenants[i]!.id, module.key);
        await sleep(5); // let the host dispose the old isolate before the clock starts
        start = performance.now();
        await call(i);
        cold.push(performance.now() - start);
      }
      return { cold, warm };
    },

    /** Host RSS on a fresh host with one isolate (warm-up), then after n more isolates, each called once. */
    rss: async ({ n }: { n: number }) => {
      const host = hostOf(1);
      rt.pool.killHost(host);
      await sleep(50);
      await rt.pool.ready();
      await call(0).catch(() => undefined); // the tenant 0 host may differ; harmless
      const onHost = tenants.map((_, i) => i).filter((i) => i > 0 && hostOf(i) === host);
      await call(onHost[0]!);
      await sleep(1000);
      const before = await hostStats(host);
      const created = onHost.slice(1, n + 1);
      for (const i of created) await call(i);
      await sleep(1000);
      const after = await hostStats(host);
      return { n: created.length, before, after };
    },

    /** SIGKILLs the host of tenant 1 and retries a call until one succeeds; runs spaced 4 s apart. */
    crash: async ({ runs }: { runs: number }) => {
      const times: number[] = [];
      const failures: number[] = [];
      for (let r = 0; r < runs; r++) {
        await call(1);
        const start = performance.now();
        rt.pool.killHost(hostOf(1));
        let failed = 0;
        for (;;) {
          try {
            await call(1);
            break;
          } catch {
            failed++;
          }
        }
        times.push(performance.now() - start);
        failures.push(failed);
        // The supervisor backs off after more than 3 restarts in 10 s (a crash loop); stay under that.
        if (r < runs - 1) await sleep(4000);
      }
      return { times, failures };
    },
  };

  process.on('message', (message: { seq: number } & Command) => {
    const { seq, ...command } = message;
    const run = commands[command.cmd] as (c: Command) => Promise<unknown>;
    run(command).then(
      (value) => process.send!({ seq, ok: true, value } satisfies Reply),
      (err: unknown) => process.send!({ seq, ok: false, error: String((err as Error)?.stack ?? err) } satisfies Reply),
    );
  });
  process.on('disconnect', () => {
    void kernel.close().finally(() => process.exit(0));
  });
  process.stdout.write(`BENCH-READY ${JSON.stringify({ url, pid: process.pid, tenants } satisfies Announce)}\n`);
}

// ---------------------------------------------------------------------------------------------
// The driver: starts the server, loads it with autocannon, asks it for the other figures.
// ---------------------------------------------------------------------------------------------

/** CPU seconds (user + system, all threads) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function drive(): Promise<void> {
  const { default: autocannon } = await import('autocannon');
  const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  if (hasTaskset) spawnSync('taskset', ['-acp', '1', String(process.pid)], { stdio: 'ignore' });
  const loadBefore = loadavg();
  const started = Date.now();

  const node = [process.execPath, '--no-node-snapshot', '--import', 'tsx', new URL(import.meta.url).pathname, '--server'];
  const [cmd, ...args] = hasTaskset ? ['taskset', '-c', '0', ...node] : node;
  // taskset execs node in place: the child's pid is the kernel's, and the IPC channel (fd 3) passes through.
  const child: ChildProcess = spawn(cmd!, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: process.env });
  const announce = await new Promise<Announce>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /BENCH-READY (.+)\n/.exec(out);
      if (m) resolve(JSON.parse(m[1]!) as Announce);
    });
    child.once('exit', (code) => reject(new Error(`the bench server exited (${code}) before it was ready:\n${out}`)));
  });
  process.stderr.write(`server ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${TENANTS + 1} tenants)\n`);

  let seq = 0;
  const waiting = new Map<number, (r: Reply) => void>();
  child.on('message', (r: Reply) => waiting.get(r.seq)?.(r));
  async function ask<T>(command: Command): Promise<T> {
    const id = ++seq;
    const reply = await new Promise<Reply>((resolve) => {
      waiting.set(id, resolve);
      child.send({ seq: id, ...command });
    });
    waiting.delete(id);
    if (!reply.ok) throw new Error(`${command.cmd} failed in the server: ${reply.error}`);
    return reply.value as T;
  }

  const [t0, ...many] = announce.tenants;
  interface Target {
    name: string;
    requests: Array<{ method: 'GET'; path: string; headers: Record<string, string> }>;
  }
  const targets: Target[] = [
    { name: 'plugin route, 1 tenant', requests: [{ method: 'GET', path: `/api/v1/${t0!.subdomain}/plugin-hello`, headers: { 'x-api-key': t0!.key } }] },
    { name: 'module route, 1 tenant', requests: [{ method: 'GET', path: `/api/v1/${t0!.subdomain}/apps/${MODULE_ID}/hello`, headers: { 'x-api-key': t0!.key } }] },
    {
      name: `plugin route, ${many.length} tenants`,
      requests: many.map((t) => ({ method: 'GET' as const, path: `/api/v1/${t.subdomain}/plugin-hello`, headers: { 'x-api-key': t.key } })),
    },
    {
      name: `module route, ${many.length} tenants`,
      requests: many.map((t) => ({ method: 'GET' as const, path: `/api/v1/${t.subdomain}/apps/${MODULE_ID}/hello`, headers: { 'x-api-key': t.key } })),
    },
  ];

  async function load(target: Target, seconds: number): Promise<{ rps: number; cpuUs: number; hostUs: number; total: number }> {
    const { kernel, hosts } = await ask<{ kernel: number; hosts: number[] }>({ cmd: 'pids' });
    const pids = [kernel, ...hosts];
    const before = pids.map(cpuSeconds);
    const result = await autocannon({ url: announce.url, connections: CONNECTIONS, pipelining: 1, duration: seconds, requests: target.requests });
    const used = pids.map((pid, i) => cpuSeconds(pid) - before[i]!);
    const cpu = used.reduce((a, b) => a + b, 0);
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    const perRequest = (s: number) => (s / result.requests.total) * 1e6;
    return { rps: result.requests.average, cpuUs: perRequest(cpu), hostUs: perRequest(cpu - used[0]!), total: result.requests.total };
  }

  const rps = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const hostCpu = new Map<string, number[]>();
  for (const target of targets) await load(target, 2); // warm-up: JIT, caches, every tenant's key and record
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of targets) {
      const r = await load(target, SECONDS);
      rps.set(target.name, [...(rps.get(target.name) ?? []), r.rps]);
      cpu.set(target.name, [...(cpu.get(target.name) ?? []), r.cpuUs]);
      hostCpu.set(target.name, [...(hostCpu.get(target.name) ?? []), r.hostUs]);
      process.stderr.write(`round ${round}: ${target.name}: ${Math.round(r.rps)} req/s, ${r.cpuUs.toFixed(1)} µs CPU/request, ${r.hostUs.toFixed(1)} in hosts (${r.total} requests)\n`);
    }
  }

  process.stderr.write('crash recovery...\n');
  const crash = await ask<{ times: number[]; failures: number[] }>({ cmd: 'crash', runs: CRASH_RUNS });
  process.stderr.write('RSS per isolate...\n');
  const rss = await ask<{ n: number; before: { rssBytes: number; heapBytes: number; isolates: number }; after: { rssBytes: number; heapBytes: number; isolates: number } }>({
    cmd: 'rss',
    n: TENANTS - 1,
  });
  process.stderr.write('cold starts...\n');
  const cold = await ask<{ cold: number[]; warm: number[] }>({ cmd: 'cold', n: COLD_TENANTS });
  const loadAfter = loadavg();
  child.disconnect();
  await new Promise((r) => child.once('exit', r));

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const fmt = (xs: number[], digits = 0) => xs.map((x) => x.toFixed(digits)).join(' / ');
  const plugin = targets[0]!.name;
  const pRps = mean(rps.get(plugin)!);
  const pCpu = mean(cpu.get(plugin)!);
  const c = quantiles(crash.times);
  const cs = quantiles(cold.cold);
  const ws = quantiles(cold.warm);
  const perIsolate = (rss.after.rssBytes - rss.before.rssBytes) / rss.n;
  const heapPerIsolate = (rss.after.heapBytes - rss.before.heapBytes) / rss.n;

  const lines: string[] = [];
  lines.push(`\nDogan sandbox benchmark — ${new Date().toISOString()}, Node ${process.version}`);
  lines.push(
    `${ROUNDS} round(s) of ${SECONDS} s, ${CONNECTIONS} connections; server and its ${HOSTS} sandbox host(s) ${hasTaskset ? 'pinned to core 0, autocannon on core 1' : 'unpinned (no taskset)'}`,
  );
  lines.push(`load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAfter.map((l) => l.toFixed(2)).join(' ')} (2 cores; above ~1 the machine was shared)`);
  lines.push('');
  lines.push('route'.padEnd(28) + 'req/s (rounds)'.padStart(20) + 'ratio'.padStart(8) + 'CPU µs/req (rounds)'.padStart(24) + 'of it in hosts'.padStart(16) + 'ratio by CPU'.padStart(14) + '   goal');
  for (const t of targets) {
    const r = mean(rps.get(t.name)!);
    const u = mean(cpu.get(t.name)!);
    const goal = t.name.startsWith('module') ? '   ≥ 0.5×' : '';
    lines.push(
      t.name.padEnd(28) +
        fmt(rps.get(t.name)!).padStart(20) +
        (r / pRps).toFixed(2).padStart(8) +
        fmt(cpu.get(t.name)!, 1).padStart(24) +
        mean(hostCpu.get(t.name)!).toFixed(1).padStart(16) +
        (pCpu / u).toFixed(2).padStart(14) +
        goal,
    );
  }
  const rotated = (kind: string) => mean(cpu.get(`${kind} route, ${many.length} tenants`)!);
  lines.push(`ratios are to the 1-tenant plugin route; module/plugin with both rotated over ${many.length} tenants: ${(rotated('plugin') / rotated('module')).toFixed(2)} by CPU`);
  lines.push('');
  lines.push('figure'.padEnd(44) + 'value'.padStart(34) + '   goal');
  lines.push('cold start of an evicted isolate (ms)'.padEnd(44) + `p50 ${cs.p50.toFixed(2)}  p95 ${cs.p95.toFixed(2)}  max ${cs.max.toFixed(1)} (n=${cs.n})`.padStart(34) + '   p50 ≤ 10 ms');
  lines.push('  same call, isolate warm (ms)'.padEnd(44) + `p50 ${ws.p50.toFixed(2)}  p95 ${ws.p95.toFixed(2)}`.padStart(34));
  lines.push('RSS per idle isolate (MB)'.padEnd(44) + `${(perIsolate / 1048576).toFixed(2)} (n=${rss.n})`.padStart(34) + '   ≤ 2 MB');
  lines.push('  V8 heap per isolate (MB)'.padEnd(44) + `${(heapPerIsolate / 1048576).toFixed(2)}`.padStart(34));
  lines.push(
    '  host RSS before → after (MB)'.padEnd(44) +
      `${(rss.before.rssBytes / 1048576).toFixed(1)} (${rss.before.isolates} iso) → ${(rss.after.rssBytes / 1048576).toFixed(1)} (${rss.after.isolates} iso)`.padStart(34),
  );
  lines.push('killed host serving again (ms)'.padEnd(44) + `p50 ${c.p50.toFixed(0)}  max ${c.max.toFixed(0)} [${fmt(crash.times)}]`.padStart(34) + '   p50 ≤ 1000 ms');
  lines.push('  calls failed meanwhile (per run)'.padEnd(44) + `[${crash.failures.join(', ')}]`.padStart(34));
  lines.push('');
  lines.push('CPU µs/req = (user+system CPU of the kernel process and every sandbox host, from /proc) / requests served.');
  lines.push('"ratio by CPU" = plugin CPU per request / this CPU per request: the req/s ratio a dedicated core would give.');
  console.log(lines.join('\n'));
}

if (process.argv.includes('--server')) await serve();
else await drive();
