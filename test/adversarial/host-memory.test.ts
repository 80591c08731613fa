import t from 'tap';
import { startArena } from './helpers.js';

const MB = 1048576;

// Issue 13: each isolate within its own limit, but together more than the host can hold. The host's
// ceiling (SANDBOX_HOST_RSS_MB) recycles the largest isolate, and only as many as it takes.
t.test('over the host memory ceiling the largest isolate is recycled; the others keep their memory', async (t) => {
  // 128 MB per isolate, so that no isolate's own limit acts; the host's ceiling is 256 MB
  // (a host with these tenants' isolates starts at about 90 MB).
  const arena = await startArena(t, 1, { memoryMb: 128, cpuMs: { route: 2000, event: 100, hook: 300 }, wallMs: { route: 5000, event: 1500, hook: 3000 } }, { tenants: 5, sandbox: { hostRssMb: 256 } });
  const { pool } = arena.runtime;
  const pid = pool.hostPid(0);
  const keep = (tenant: number, mb: number) => arena.attack('retainBytes', `?mb=${mb}`, tenant);
  await arena.alongside(t, async () => {
    for (const [tenant, mb] of [[0, 20], [2, 30], [3, 40]] as const) t.equal((await keep(tenant, mb)).body.mb, mb, `tenant ${tenant} keeps ${mb} MB`);
    await new Promise((r) => setTimeout(r, 1500));
    t.equal((await pool.stats())[0]!.memoryRecycled, 0, 'below the ceiling nothing is recycled');
    t.equal((await keep(4, 80)).body.mb, 80, 'tenant 4 keeps 80 MB: the host goes over 90% of its ceiling');
    await new Promise((r) => setTimeout(r, 1500));
  });
  const held = Object.fromEntries(await Promise.all([0, 2, 3, 4].map(async (n) => [n, (await keep(n, 0)).body.mb] as const)));
  t.same(held, { 0: 20, 2: 30, 3: 40, 4: 0 }, "only the largest isolate was recycled; the others kept their module's memory");
  const stats = (await pool.stats())[0]!;
  t.equal(stats.memoryRecycled, 1, 'one isolate recycled');
  t.ok(stats.rssBytes < 0.9 * 256 * MB, `the host is back under its ceiling (${Math.round(stats.rssBytes / MB)} MB)`);
  t.equal(pool.hostPid(0), pid, 'the host process was never replaced');
  const logs = await arena.runtime.readLogs(arena.tenant(4), 'test.hostile', { limit: 5 });
  t.ok(logs.some((l) => /limit SANDBOX_MEMORY_LIMIT: .*recycled as the largest isolate \(8\d MB\) of a sandbox host at \d+ MB of its 256 MB memory ceiling/.test(l.message)), "the recycle is in the module's log");
});
