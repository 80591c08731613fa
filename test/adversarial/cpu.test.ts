import t from 'tap';
import { loadFixture } from '../sandbox/helpers.js';
import { startArena } from './helpers.js';

t.test('CPU and time: loops, floods and hangs end with their code; the isolate is replaced', async (t) => {
  const arena = await startArena(t);
  const cases: Array<[string, string, number]> = [
    ['loop', 'SANDBOX_CPU_LIMIT', 502],
    ['microtasks', 'SANDBOX_CPU_LIMIT', 502],
    ['regex', 'SANDBOX_CPU_LIMIT', 502],
    ['getter', 'SANDBOX_CPU_LIMIT', 502],
    ['huge', 'SANDBOX_CPU_LIMIT', 502],
    ['never', 'SANDBOX_TIMEOUT', 504],
    ['storageLoop', 'SANDBOX_STORAGE_LIMIT', 502],
  ];
  for (const [name, code, status] of cases) {
    const before = await arena.metric(code);
    const res = await arena.alongside(t, () => arena.attack(name));
    t.equal(res.status, status, `${name}: status`);
    t.equal(res.body.code, code, `${name}: ${code}`);
    t.ok((await arena.metric(code)) > before, `${name}: counted in /metrics`);
    const again = await arena.call(arena.tenant(0), 'test.hostile', '/ok');
    t.equal(again.status, 200, `${name}: the attacking tenant is served again by a fresh isolate`);
  }
  const logs = await arena.runtime.readLogs(arena.tenant(0), 'test.hostile', { limit: 50 });
  t.ok(logs.some((l) => /limit SANDBOX_CPU_LIMIT/.test(l.message)), "breaches are recorded in the module's log");
  const victimLogs = await arena.runtime.readLogs(arena.tenant(1), 'test.hostile', { limit: 50 });
  t.same(victimLogs.filter((l) => l.level === 'error'), [], "the other tenant's log has no breach");
});

t.test('an infinite loop at the top level of the bundle is stopped while loading', async (t) => {
  const arena = await startArena(t);
  loadFixture(arena.runtime, 'toplevel-loop');
  await t.rejects(arena.runtime.enableForTenant(arena.tenant(0).id, 'test.toplevel-loop', []), { code: 'SANDBOX_CPU_LIMIT' });
  const res = await arena.alongside(t, () => arena.call(arena.tenant(0), 'test.hostile', '/ok'));
  t.equal(res.status, 200);
});
