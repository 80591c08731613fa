import t from 'tap';
import { startArena } from './helpers.js';

// Issue 13: when a module still ends its sandbox host, the tenants that did not cause it are served
// again at once (no crash-loop back-off for them), and the module that did is suspended so that it
// cannot do it again to its neighbours.
t.test('a module that crashes its host is suspended; the other tenants are served again at once, crash after crash', async (t) => {
  // 8 MB isolates: V8's heap is 32 MB, and one call growing a Map past it mostly ends the whole process.
  // Eight attackers crash the host in turn, past the back-off's three restarts in 10 s.
  const attackers = [0, 2, 3, 4, 5, 6, 7, 8];
  const limits = { memoryMb: 8, cpuMs: { route: 5000, event: 100, hook: 300 }, wallMs: { route: 10_000, event: 1500, hook: 3000 } };
  const arena = await startArena(t, 1, limits, { tenants: 9, sandbox: { quarantineMs: 60_000 } });
  const { pool } = arena.runtime;
  const victim = arena.tenant(1);

  let done = false;
  const failures: string[] = [];
  let served = 0;
  const victimLoop = (async () => {
    for (let n = 1; !done; n++) {
      const res = await arena.call(victim, 'test.hostile', `/ok?n=${n}`);
      if (res.status === 200 && res.body.secret === 'secret of tenant 1') served++;
      else failures.push(`${res.status} ${res.body.code}: ${res.body.detail}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  })();

  const recoveries: number[] = [];
  const spawnDelays: number[] = [];
  for (const attacker of attackers) {
    const pid = pool.hostPid(0);
    // V8 sometimes stops the growth in time (isolated-vm's own limit): a harmless SANDBOX_MEMORY_LIMIT, so try again.
    let crash = await arena.attack('mapBomb', '', attacker);
    for (let tries = 1; crash.body.code === 'SANDBOX_MEMORY_LIMIT' && tries < 10; tries++) crash = await arena.attack('mapBomb', '', attacker);
    t.equal(crash.body.code, 'SANDBOX_UNAVAILABLE', `attacker ${attacker}: its call was in flight when the host died`);
    const crashedAt = performance.now();
    // The supervisor's pause before it starts the new process: a crash loop's back-off shows here,
    // apart from how long the new process takes to start.
    while (pool.hostPid(0) === pid && performance.now() - crashedAt < 10_000) await new Promise((r) => setTimeout(r, 5));
    spawnDelays.push(performance.now() - crashedAt);
    const after = await arena.call(victim, 'test.hostile', '/ok?n=after');
    recoveries.push(performance.now() - crashedAt);
    t.equal(after.status, 200, `attacker ${attacker}: the victim is served by the new host`);
    t.not(pool.hostPid(0), pid, `attacker ${attacker}: the host was replaced`);

    const pidAfter = pool.hostPid(0);
    const again = await arena.attack('mapBomb', '', attacker);
    t.equal(again.status, 503, `attacker ${attacker}: a repeat is refused`);
    t.equal(again.body.code, 'SANDBOX_QUARANTINED');
    const retryAfter = Number(again.headers['retry-after']);
    t.ok(retryAfter > 50 && retryAfter <= 60, `attacker ${attacker}: Retry-After says when the suspension ends (${retryAfter} s)`);
    t.equal(pool.hostPid(0), pidAfter, `attacker ${attacker}: the repeat never reached the host`);
  }
  done = true;
  await victimLoop;

  // Before the fix the 4th to 8th restarts in 10 s waited 200, 400, 800, 1600 and 3200 ms.
  t.ok(Math.max(...spawnDelays) < 500, `no back-off: each new host was started ${spawnDelays.map(Math.round).join(', ')} ms after its crash was answered`);
  t.comment(`the victim was served again ${recoveries.map(Math.round).join(', ')} ms after each crash (the new host's start included)`);
  t.ok(served > 0, `the victim was served ${served} times meanwhile`);
  t.ok(failures.length <= attackers.length, 'at most one victim call failed per crash (one in flight when the host died)');
  t.same(failures.filter((f) => !f.startsWith('503 SANDBOX_UNAVAILABLE')), [], 'and only those');
  t.equal(await arena.metric('SANDBOX_QUARANTINED'), attackers.length, 'every suspension is counted');

  const logs = await arena.runtime.readLogs(arena.tenant(0), 'test.hostile', { limit: 20 });
  t.ok(
    logs.some((l) => /limit SANDBOX_QUARANTINED: .*crashed its sandbox host \(Catastrophic out-of-memory error\); its calls are refused until/.test(l.message)),
    "the suspension is in the module's log",
  );
  const victimLogs = await arena.runtime.readLogs(victim, 'test.hostile', { limit: 20 });
  t.same(victimLogs.filter((l) => /QUARANTINED/.test(l.message)), [], "the victim's log has no suspension");

  await t.resolves(arena.runtime.disableForTenant(arena.tenant(0).id, 'test.hostile'), 'the tenant can disable its suspended module');
  const afterDisable = await arena.runtime.readLogs(arena.tenant(0), 'test.hostile', { limit: 5 });
  t.match(afterDisable[0]!.message, /disabled without its uninstall hook/);
  t.equal((await arena.call(arena.tenant(0), 'test.hostile', '/ok')).body.code, 'MODULE_NOT_ENABLED');
});
