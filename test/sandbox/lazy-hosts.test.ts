import t from 'tap';
import { SandboxPool } from '@dogan/runtime/sandbox';
import { Registry } from 'prom-client';

// Sandbox hosts follow demand: none until a module is called, one per host slot its tenants use,
// stopped after `hostIdleMs` without calls, and started again by the next call.
const code = `export const routes = { hello: () => ({ status: 200, headers: {}, body: { pid: 'host' } }) };`;
const config = (tenant: string) => ({
  tenant: { id: tenant, locale: 'en', timezone: 'Asia/Riyadh', plan: 'starter' },
  moduleId: 'lazy.test',
  version: '1.0.0',
  moduleKey: 'lazy.test@1.0.0',
  grants: { collections: [], http: [], emit: [], erpnext: [] },
  settings: {},
});
const alive = (pid: number | undefined) => {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const until = async (what: string, check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

t.test('hosts start on first call, for the tenants that call, and stop when idle', async (t) => {
  const registry = new Registry();
  const pool = new SandboxPool({ hosts: 2, hostIdleMs: 1_000 }, { capability: async () => 'null' }, registry);
  t.teardown(() => pool.close());
  const call = (tenant: string) => pool.invoke({ config: config(tenant), code, kind: 'route', name: 'hello', input: '{}', depth: 0 } as never);
  const running = async () => Number(/sandbox_hosts_running (\d+)/.exec(await registry.getSingleMetricAsString('sandbox_hosts_running'))?.[1]);

  t.equal(pool.runningHosts(), 0, 'no host before any call');
  t.equal(pool.hostPid(0), undefined);
  t.equal(await running(), 0, 'the gauge says so');

  // Two tenants on different host slots.
  const tenants = ['tenant-a', 'tenant-b', 'tenant-c', 'tenant-d', 'tenant-e'];
  const first = tenants[0]!;
  const other = tenants.find((x) => pool.hostIndexFor(x) !== pool.hostIndexFor(first))!;
  t.ok(other, 'a tenant on the other slot');

  t.equal((await call(first)).answer?.status, 200, 'the first call is served');
  t.equal(pool.runningHosts(), 1, 'only the host of the calling tenant started');
  const pid = pool.hostPid(pool.hostIndexFor(first))!;
  t.ok(alive(pid), 'its process runs');

  t.equal((await call(other)).answer?.status, 200);
  t.equal(pool.runningHosts(), 2, 'a tenant on the other slot starts the second host');
  t.equal(await running(), 2);

  // Keep the first host busy while the second idles: only the idle one stops.
  const keepBusy = setInterval(() => void call(first).catch(() => undefined), 200);
  const otherPid = pool.hostPid(pool.hostIndexFor(other))!;
  await until('the idle host to stop', () => !alive(otherPid));
  clearInterval(keepBusy);
  t.ok(alive(pid), 'the host with calls keeps running');
  t.equal(pool.runningHosts(), 1);

  await until('the first host to stop once idle too', () => !alive(pid));
  t.equal(pool.runningHosts(), 0, 'an idle platform runs no host');
  t.equal(await running(), 0);

  t.equal((await call(first)).answer?.status, 200, 'a call after the stop starts its host again');
  t.not(pool.hostPid(pool.hostIndexFor(first)), pid, 'in a new process');
  const metrics = await registry.getSingleMetricAsString('sandbox_host_restarts_total');
  t.match(metrics, /sandbox_host_restarts_total 0/, 'idle stops are not counted as crashes');
});
