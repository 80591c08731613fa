import t from 'tap';
import { startArena } from './helpers.js';

t.test('a million log lines: the call finishes, at most the per-call cap is stored, the breach is logged', async (t) => {
  const arena = await startArena(t);
  const res = await arena.alongside(t, () => arena.attack('logFlood'));
  t.equal(res.status, 200);
  await arena.runtime.logs.flush();
  const lines = await arena.rows(0, "SELECT COUNT(*) AS n FROM module_logs WHERE message = 'line'");
  t.equal(Number(lines[0]!.n), 100, 'the per-call cap of 100 lines held');
  t.ok((await arena.metric('SANDBOX_LOG_LIMIT')) >= 1);
  const logs = await arena.runtime.readLogs(arena.tenant(0), 'test.hostile', { limit: 5 });
  t.match(logs[0]!.message, /limit SANDBOX_LOG_LIMIT: .*999900 log lines/);
});

t.test('an event handler emitting the event it subscribes to stops at the depth cap', async (t) => {
  const arena = await startArena(t);
  const res = await arena.alongside(t, async () => {
    const r = await arena.attack('emitLoop');
    await new Promise((resolve) => setTimeout(resolve, 500));
    return r;
  });
  t.equal(res.status, 200);
  const hops = await arena.rows(0, "SELECT COUNT(*) AS n FROM module_documents WHERE collection = 'items' AND id <> 'secret'");
  t.equal(Number(hops[0]!.n), 4, 'the chain ran exactly maxEventDepth (4) handlers');
  t.ok((await arena.metric('SANDBOX_EVENT_LOOP')) >= 1);
  const victim = await arena.rows(1, "SELECT COUNT(*) AS n FROM module_documents WHERE id <> 'secret'");
  t.equal(Number(victim[0]!.n), 0, "the other tenant's subscribers never saw the events");
});

t.test('work started after the response is refused its capabilities', async (t) => {
  const arena = await startArena(t);
  const res = await arena.alongside(t, () => arena.attack('afterResponse'));
  t.same(res.body, { answered: true });
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.same(await arena.rows(0, "SELECT id FROM module_documents WHERE id = 'late'"), [], 'the late insert never happened');
  t.ok((await arena.metric('SANDBOX_NO_INVOCATION')) >= 1);
});
