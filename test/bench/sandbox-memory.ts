/**
 * `node --no-node-snapshot --import tsx test/bench/sandbox-memory.ts`: the retained-allocation attack
 * of issue 13, measured. Attackers keep ~20 MB more per call in a module-level Map while a victim
 * tenant calls its own module on the same sandbox host every 10 ms; prints the host's peak resident
 * memory, the isolates recycled for memory, the host crashes and what the victim got.
 *
 * It uses only what the sandbox pool offered before the fix (its hooks, host pids and /proc), so the
 * same script measures an older checkout too.
 *
 * Variables: BENCH_ATTACKERS (3, each its own tenant), BENCH_ATTACK_CALLS (10 per attacker),
 * BENCH_RETAIN_ENTRIES (700000 Map entries, ~20 MB, per call).
 */
import { readFileSync } from 'node:fs';
import { SandboxPool } from '../../runtime/src/sandbox/index.js';

const ATTACKERS = Number(process.env.BENCH_ATTACKERS ?? 3);
const CALLS = Number(process.env.BENCH_ATTACK_CALLS ?? 10);
const ENTRIES = Number(process.env.BENCH_RETAIN_ENTRIES ?? 700_000);

const code = `const kept = new Map();
export const routes = {
  retain: () => { const base = kept.size; for (let i = 0; i < ${ENTRIES}; i++) kept.set(base + i, i); return { status: 200, headers: {}, body: { size: kept.size } }; },
  ok: () => ({ status: 200, headers: {}, body: 'ok' }),
};`;

const config = (tenant: string) => ({
  tenant: { id: tenant, locale: 'en', timezone: 'Asia/Riyadh', plan: 'starter' },
  moduleId: 'bench.retain',
  version: '1.0.0',
  moduleKey: 'bench.retain@1.0.0',
  grants: { collections: [], http: [], emit: [], erpnext: [] },
  settings: {},
});

/** Resident memory of a process, bytes: [now, its peak so far]. */
function rss(pid: number | undefined): [number, number] {
  if (pid === undefined) return [0, 0];
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
    return [kb('VmRSS'), kb('VmHWM')];
  } catch {
    return [0, 0];
  }
}

const memoryBreaches = new Map<string, number>();
let fatal = 0;
const pool = new SandboxPool(
  // The default memory limit (64 MB); a CPU limit that lets each call add its 20 MB.
  { hosts: 1, limits: { cpuMs: { route: 3000 }, wallMs: { route: 10_000 } } },
  {
    capability: async () => 'null',
    breach: ({ tenantId, code }) => {
      if (code === 'SANDBOX_MEMORY_LIMIT') memoryBreaches.set(tenantId, (memoryBreaches.get(tenantId) ?? 0) + 1);
      if (tenantId === '-' && code === 'SANDBOX_UNAVAILABLE') fatal++;
    },
  },
);
await pool.start();
const call = (tenant: string, name: string) => pool.invoke({ config: config(tenant), code, kind: 'route', name, input: '{}', depth: 0 } as never);
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => String(e.code));

const pids = new Set<number>();
let peak = 0;
const sampler = setInterval(() => {
  const pid = pool.hostPid(0);
  if (pid !== undefined) pids.add(pid);
  peak = Math.max(peak, ...rss(pid));
}, 20);

let attacking = true;
const victim = new Map<string, number>();
const victimLoop = (async () => {
  while (attacking) {
    const o = await outcome(call('victim', 'ok'));
    victim.set(o, (victim.get(o) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, 10));
  }
})();

const started = performance.now();
const attacks = new Map<string, number>();
await Promise.all(
  Array.from({ length: ATTACKERS }, async (_, a) => {
    for (let i = 0; i < CALLS; i++) {
      const o = await outcome(call(`attacker-${a}`, 'retain'));
      attacks.set(o, (attacks.get(o) ?? 0) + 1);
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
attacking = false;
await victimLoop;
clearInterval(sampler);
await pool.close();

const victimErrors = [...victim].filter(([o]) => o !== 'ok').reduce((n, [, c]) => n + c, 0);
const recycled = [...memoryBreaches.values()].reduce((a, b) => a + b, 0);
const table = [
  ['attack', `${ATTACKERS} tenants × ${CALLS} calls keeping ~${Math.round((ENTRIES * 28) / 1048576)} MB more each, ${seconds.toFixed(1)} s`],
  ['attack answers', [...attacks].map(([o, n]) => `${o} ${n}`).join(', ')],
  ['sandbox host peak RSS', `${(peak / 1048576).toFixed(0)} MB (highest VmHWM of the host processes)`],
  ['isolates recycled for memory', String(recycled)],
  ['host crashes', `${pids.size - 1} (${fatal} catastrophic out-of-memory)`],
  ['victim calls', [...victim].map(([o, n]) => `${o} ${n}`).join(', ')],
  ['victim errors', String(victimErrors)],
];
console.log(`\nDogan sandbox retained-allocation attack — ${new Date().toISOString()}, Node ${process.version}`);
for (const [k, v] of table) console.log(`${k!.padEnd(30)}${v}`);
