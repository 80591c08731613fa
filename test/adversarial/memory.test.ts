import t from 'tap';
import { startArena } from './helpers.js';

t.test('allocation bombs and hostile results end with their code; the host and the other tenant carry on', async (t) => {
  // CPU and wall limits raised so that the memory limit, not the watchdog, is what stops each bomb, also
  // on a machine where another process keeps a core busy. 16 MB per isolate gives V8 a 64 MB heap
  // (heap-check.ts), which the bombs fill within those limits.
  const arena = await startArena(t, 1, { memoryMb: 16, cpuMs: { route: 3000, event: 100, hook: 300 }, wallMs: { route: 30000, event: 1500, hook: 3000 } });
  const cases: Array<[string, string]> = [
    ['typedArrays', 'SANDBOX_MEMORY_LIMIT'],
    ['strings', 'SANDBOX_MEMORY_LIMIT'],
    ['jsonParse', 'SANDBOX_MEMORY_LIMIT'],
    ['spread', 'SANDBOX_MEMORY_LIMIT'],
    ['bigBody', 'SANDBOX_RESPONSE_TOO_LARGE'],
    ['deep', 'SANDBOX_MODULE_ERROR'],
    ['cyclic', 'SANDBOX_MODULE_ERROR'],
    ['proxy', 'SANDBOX_MODULE_ERROR'],
    ['badStatus', 'SANDBOX_INVALID_RESPONSE'],
    ['badHeader', 'SANDBOX_INVALID_RESPONSE'],
  ];
  const pid = arena.runtime.pool.hostPid(0);
  for (const [name, code] of cases) {
    const res = await arena.alongside(t, () => arena.attack(name));
    t.equal(res.status, 502, `${name}: 502`);
    t.equal(res.body.code, code, `${name}: ${code}`);
    t.notMatch(JSON.stringify(res.body), /\bat [\w.<>]+ \(|node:internal|isolated-vm/, `${name}: no host stack in the problem`);
  }
  t.equal(arena.runtime.pool.hostPid(0), pid, 'the host process was never replaced');
  t.ok((await arena.metric('SANDBOX_MEMORY_LIMIT')) >= 4, 'memory breaches are counted');
});
