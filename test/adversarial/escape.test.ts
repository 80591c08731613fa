import t from 'tap';
import { startArena } from './helpers.js';

t.test('nothing of the host is reachable: no process, require, import, timers, SharedArrayBuffer or ivm objects', async (t) => {
  const arena = await startArena(t);
  const res = await arena.alongside(t, () => arena.attack('escape'));
  t.equal(res.status, 200);
  const r = res.body;
  t.same(r.constructorProcess, { value: 'undefined' }, "constructor.constructor('return process') finds no process");
  t.notMatch(r.constructorThis.value ?? '', /process|require|Buffer|__dogan/, 'the global object has nothing of the host');
  t.equal(r.require, 'undefined');
  t.equal(r.process, 'undefined');
  t.equal(r.eval, 'undefined');
  t.equal(r.sharedArrayBuffer, 'undefined');
  t.equal(r.atomics, 'undefined');
  t.equal(r.webAssembly, 'undefined');
  t.equal(r.timers, 'undefined,undefined,undefined,undefined');
  t.match(r.dynamicImport, /^refused/, 'dynamic import() is refused');
  t.ok(r.walk.visited > 100, `the walk visited ${r.walk.visited} objects`);
  t.same(r.walk.found, [], 'no host object or host-ish global is reachable');
});

t.test("Object.prototype poisoning stays in the poisoner's isolate", async (t) => {
  const arena = await startArena(t);
  const res = await arena.alongside(t, () => arena.attack('poison'));
  t.equal(res.status, 200, 'a poisoned JSON.stringify cannot forge the answer: the bootstrap captured its own');
  t.equal(res.body, 'done');
  const victim = await arena.call(arena.tenant(1), 'test.hostile', '/ok?n=1');
  t.same(victim.body.polluted, null);
  t.same(victim.body.mapped, [2, 4]);
});

t.test('storage calls with forged tenant or module ids stay in the caller\'s tenant, module and grants', async (t) => {
  const arena = await startArena(t);
  const res = await arena.alongside(t, () => arena.attack('forge', `?other=${arena.tenant(1).id}`));
  t.equal(res.status, 200);
  t.same(res.body.read, { value: 'secret of tenant 0', id: 'secret' }, 'extra arguments are ignored: it reads its own secret');
  t.equal(res.body.notes, 'SANDBOX_PERMISSION_DENIED', 'a collection it did not declare is refused');
  t.equal(res.body.traversal, 'MODULE_STORAGE_INVALID', 'a field name with SQL in it is refused');
  const victim = await arena.rows(1, "SELECT id FROM module_documents WHERE id = 'forged'");
  t.same(victim, [], "nothing landed in the other tenant's database");
  const own = await arena.rows(0, "SELECT module_id FROM module_documents WHERE id = 'forged'");
  t.same(own, [{ module_id: 'test.hostile' }], 'the document is stored under its own module id');
  t.ok((await arena.metric('SANDBOX_PERMISSION_DENIED')) >= 1);
});
