import t from 'tap';
import { startArena } from './helpers.js';

t.test('killing the host mid-request: in-flight calls get 503, the host is replaced, later calls succeed', async (t) => {
  // Calls wait for a restarting host until their deadline: 5 s here, so that a restart slowed by a
  // loaded machine (1.5 s and more with every core busy) is waited for, as in production (10 s).
  const arena = await startArena(t, 1, { wallMs: { route: 5000, event: 1500, hook: 3000 } });
  const { pool } = arena.runtime;
  const oldPid = pool.hostPid(0);
  const inFlight = [arena.attack('slow'), arena.call(arena.tenant(1), 'test.hostile', '/attack/slow')];
  await new Promise((resolve) => setTimeout(resolve, 200));
  const killedAt = performance.now();
  pool.killHost(0);
  for (const res of await Promise.all(inFlight)) {
    t.equal(res.status, 503);
    t.equal(res.body.code, 'SANDBOX_UNAVAILABLE');
  }
  const after = await arena.call(arena.tenant(1), 'test.hostile', '/ok?n=1');
  const servedAfter = performance.now() - killedAt;
  t.equal(after.status, 200, 'the next call is served by the new host');
  t.same(after.body.secret, 'secret of tenant 1');
  t.not(pool.hostPid(0), oldPid, 'a new process');
  t.ok(servedAfter < 5000, `served again ${Math.round(servedAfter)} ms after the kill`);
  const metrics = await arena.kernel.metrics.getSingleMetricAsString('sandbox_host_restarts_total');
  t.match(metrics, /sandbox_host_restarts_total 1/);
});
