import t from 'tap';
import { startArena } from './helpers.js';

// Issue 13: a module keeping ~20 MB more per call in a module-level Map took its whole sandbox host
// down ("Catastrophic out-of-memory error": V8 aborts the process when the doubled hash table does not
// fit), and every tenant on that host got 503 until the restart back-off ended.
t.test('memory kept across calls recycles the isolate near its limit; the host and the other tenant carry on', async (t) => {
  // The default memory limit (64 MB); CPU raised so that each call can add its 20 MB.
  const arena = await startArena(t, 1, { cpuMs: { route: 3000, event: 100, hook: 300 }, wallMs: { route: 8000, event: 1500, hook: 3000 } });
  const { pool } = arena.runtime;
  const pid = pool.hostPid(0);
  const answers = await arena.alongside(t, async () => {
    const out: Array<{ status: number; body: any }> = [];
    for (let i = 0; i < 6; i++) out.push(await arena.attack('retain'));
    return out;
  });
  const outcomes = answers.map((a) => (a.status === 200 ? `200 ${a.body.size}` : `${a.status} ${a.body.code}`));
  t.same(outcomes, ['200 700000', '502 SANDBOX_MEMORY_LIMIT', '200 700000', '502 SANDBOX_MEMORY_LIMIT', '200 700000', '502 SANDBOX_MEMORY_LIMIT'], 'the call that leaves the heap near its limit is answered SANDBOX_MEMORY_LIMIT; the next starts afresh');
  t.match(answers[1]!.body.detail, /holds [\d.]+ MB, near its limit of 64\.0 MB/);
  t.equal(pool.hostPid(0), pid, 'the host process was never replaced');
  t.match(await arena.kernel.metrics.getSingleMetricAsString('sandbox_host_restarts_total'), /sandbox_host_restarts_total 0/);
  t.equal((await pool.stats())[0]!.memoryRecycled, 3, 'the host counts the isolates it recycled');
  const logs = await arena.runtime.readLogs(arena.tenant(0), 'test.hostile', { limit: 20 });
  t.equal(logs.filter((l) => /limit SANDBOX_MEMORY_LIMIT: .*near its limit/.test(l.message)).length, 3, "each recycle is in the module's log");
});

t.test('garbage is not memory kept: a call that allocates and drops far more than the limit is answered', async (t) => {
  const arena = await startArena(t, 1, { memoryMb: 16, cpuMs: { route: 3000, event: 100, hook: 300 }, wallMs: { route: 8000, event: 1500, hook: 3000 } });
  // Each call allocates its 11 MB Map and drops it: 5 calls allocate 55 MB against a 16 MB limit.
  for (let i = 0; i < 5; i++) {
    const res = await arena.call(arena.tenant(0), 'test.hostile', '/attack/churn');
    t.equal(res.status, 200, `call ${i} answered`);
  }
});
