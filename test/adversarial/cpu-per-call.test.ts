import t, { type Test } from 'tap';
import { SandboxPool } from '@dogan/runtime/sandbox';

// Issue 13: the CPU limit of a module was shared by its calls in flight: one call spinning beside 60
// waiting ones ran 6.1 s against a 100 ms limit. Each call now has its own budget.
const code = `import { sleep } from 'dogan:module';
export const routes = {
  wait: async () => { for (let i = 0; i < 5; i++) await sleep(2000); return { status: 200, headers: {}, body: { waited: true } }; },
  quick: () => ({ status: 200, headers: {}, body: 'quick' }),
  spin: () => { for (;;) {} },
};`;

const config = {
  tenant: { id: 'tenant-1', locale: 'en', timezone: 'Asia/Riyadh', plan: 'starter' },
  moduleId: 'cpu.test',
  version: '1.0.0',
  moduleKey: 'cpu.test@1.0.0',
  grants: { collections: [], http: [], emit: [], erpnext: [] },
  settings: {},
};

async function startPool(t: Test) {
  // A long deadline, so that only the CPU limit can stop the spinning call.
  const pool = new SandboxPool({ hosts: 1, limits: { cpuMs: { route: 100 }, wallMs: { route: 20_000 } } }, { capability: async () => 'null' });
  await pool.start();
  t.teardown(() => pool.close());
  const call = (name: string, tenantConfig = config) => pool.invoke({ config: tenantConfig, code, kind: 'route', name, input: '{}', depth: 0 } as never);
  await call('quick');
  return call;
}

// Another tenant with the same module: its own isolate, which a spinning neighbour must not end.
const otherTenant = { ...config, tenant: { ...config.tenant, id: 'tenant-2' } };

const outcome = (p: Promise<unknown>) => p.then(() => 'answered', (e: { code: string }) => e.code);

t.test('a spinning call beside 60 calls waiting on sleep is stopped near its own 100 ms limit', async (t) => {
  const call = await startPool(t);
  const waiting = Array.from({ length: 60 }, () => outcome(call('wait')));
  const otherWaiting = outcome(call('wait', otherTenant));
  await new Promise((r) => setTimeout(r, 200));
  const started = performance.now();
  const spin = outcome(call('spin'));
  t.equal(await outcome(call('quick', otherTenant)), 'answered', 'the other tenant is answered while the call spins');
  t.equal(await spin, 'SANDBOX_CPU_LIMIT');
  const ms = performance.now() - started;
  t.comment(`spinning call stopped after ${Math.round(ms)} ms beside 60 waiting calls`);
  t.ok(ms < 1500, `stopped within 1.5 s (${Math.round(ms)} ms), not after the 61 calls' limits added up (6.1 s)`);
  // Its isolate is ended with it (its state is untrustworthy): the waiting calls of that isolate fail too.
  t.same(new Set(await Promise.all(waiting)), new Set(['SANDBOX_CPU_LIMIT']));
  t.equal(await outcome(call('quick')), 'answered', 'the next call gets a fresh isolate');
  t.equal(await otherWaiting, 'answered', "the other tenant's waiting call was neither charged nor ended");
});

t.test('a spinning call with 60 calls queued behind it is stopped near its own limit', async (t) => {
  const call = await startPool(t);
  const started = performance.now();
  const spin = outcome(call('spin'));
  const queued = Array.from({ length: 60 }, () => outcome(call('quick')));
  t.equal(await spin, 'SANDBOX_CPU_LIMIT');
  const ms = performance.now() - started;
  t.comment(`spinning call stopped after ${Math.round(ms)} ms with 60 calls queued`);
  t.ok(ms < 1500, `stopped within 1.5 s (${Math.round(ms)} ms)`);
  t.same(new Set(await Promise.all(queued)), new Set(['SANDBOX_CPU_LIMIT']), 'the queued calls never ran: their isolate ended first');
});
