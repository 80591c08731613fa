import t from 'tap';
import { SandboxPool } from '@dogan/runtime/sandbox';

// A regression: the watchdog once charged every call in flight the whole CPU of a busy isolate, so a
// call only waiting (on sleep, storage or HTTP) next to busy neighbours was killed as a CPU hog.
const code = `import { sleep } from 'dogan:module';
export const routes = {
  slow: async () => { await sleep(400); return { status: 200, headers: {}, body: { slow: true } }; },
  busy: () => { const end = Date.now() + 2; let x = 0; while (Date.now() < end) x++; return { status: 200, headers: {}, body: { x } }; },
  spin: () => { for (;;) {} },
};`;

t.test('waiting calls beside busy ones are not charged their CPU; a runaway beside them still dies', async (t) => {
  const pool = new SandboxPool({ hosts: 1, limits: { cpuMs: { route: 100 }, wallMs: { route: 5_000 } } }, { capability: async () => 'null' });
  await pool.start();
  t.teardown(() => pool.close());
  const config = {
    tenant: { id: 'tenant-1', locale: 'en', timezone: 'Asia/Riyadh', plan: 'starter' },
    moduleId: 'wd.test',
    version: '1.0.0',
    moduleKey: 'wd.test@1.0.0',
    grants: { collections: [], http: [], emit: [], erpnext: [] },
    settings: {},
  };
  const call = (name: string) => pool.invoke({ config, code, kind: 'route', name, input: '{}', depth: 0 } as never);
  await call('busy');

  let stop = false;
  const failures: string[] = [];
  const busyLoop = async () => {
    while (!stop) await call('busy').catch((e: { code: string }) => failures.push(e.code));
  };
  const workers = Array.from({ length: 4 }, busyLoop);
  const slow = await Promise.allSettled(Array.from({ length: 5 }, () => call('slow')));
  t.same(slow.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'], 'every waiting call finished');

  const started = Date.now();
  const runaway = await call('spin').then(
    () => 'finished?!',
    (e: { code: string }) => e.code,
  );
  t.equal(runaway, 'SANDBOX_CPU_LIMIT', 'the loop that never yields is stopped');
  t.ok(Date.now() - started < 3_000, 'within a bound set by the limits of the calls in flight');
  stop = true;
  await Promise.all(workers);
  t.ok(failures.every((c) => c === 'SANDBOX_CPU_LIMIT'), 'busy calls only fail when the runaway took their isolate down');
  t.same(await call('busy').then(() => 'ok'), 'ok', 'the next call gets a fresh isolate');
});
