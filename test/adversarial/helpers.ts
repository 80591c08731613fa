import type { Test } from 'tap';
import { loadFixture, startModulesKernel, type ModulesKernel } from '../sandbox/helpers.js';

type Executor = { execute(sql: string, params?: unknown[], method?: 'all' | 'run'): Promise<unknown> };

/** Limits tightened so the suite runs fast; the code paths are the production ones. */
export const ADVERSARIAL_SANDBOX = {
  limits: { cpuMs: { route: 100, event: 100, hook: 300 }, wallMs: { route: 1500, event: 1500, hook: 3000 } },
  network: { trustedHosts: { 'allowed.test': '127.0.0.1' }, dnsOverrides: { 'private.test': '127.0.0.1' } },
};

export interface Arena extends ModulesKernel {
  /** Tenant 0 runs the attacks, tenant 1 runs the same module version alongside. */
  attack(name: string, query?: string): Promise<{ status: number; body: any; ms: number }>;
  /**
   * Runs `hostile` while tenant 1 keeps calling the same module version; asserts every one of its
   * calls got the right answer within 2 s and that the host still serves afterwards.
   */
  alongside<T>(t: Test, hostile: () => Promise<T>): Promise<T>;
  rows(tenant: number, sql: string, params?: unknown[]): Promise<Array<Record<string, unknown>>>;
}

export async function startArena(t: Test, port = 1, limits: Record<string, unknown> = {}): Promise<Arena> {
  const k = await startModulesKernel(t, { sandbox: { ...ADVERSARIAL_SANDBOX, limits: { ...ADVERSARIAL_SANDBOX.limits, ...limits } } });
  loadFixture(k.runtime, 'hostile', { PORT: port });
  for (const n of [0, 1]) await k.runtime.enableForTenant(k.tenant(n).id, 'test.hostile', ['store', 'ping', 'web']);
  const rows = async (tenant: number, sql: string, params: unknown[] = []) =>
    ((await k.tenants.databases.em(k.tenant(tenant))) as unknown as Executor).execute(sql, params, 'all') as Promise<Array<Record<string, unknown>>>;
  const now = new Date().toISOString();
  for (const n of [0, 1]) {
    await rows(n, "INSERT INTO module_documents (module_id, collection, id, data, created_at, updated_at) VALUES ('test.hostile', 'items', 'secret', ?, ?, ?)", [JSON.stringify({ value: `secret of tenant ${n}` }), now, now]);
  }
  const victim = k.tenant(1);
  return {
    ...k,
    rows,
    attack: (name, query = '') => k.call(k.tenant(0), 'test.hostile', `/attack/${name}${query}`),
    async alongside(t, hostile) {
      let done = false;
      const latencies: number[] = [];
      const failures: unknown[] = [];
      const victimLoop = (async () => {
        let n = 0;
        while (!done || n < 3) {
          const res = await k.call(victim, 'test.hostile', `/ok?n=${++n}`);
          latencies.push(res.ms);
          const expected = { tenant: victim.id, polluted: null, mapped: [2, 4], secret: 'secret of tenant 1', echo: String(n) };
          if (res.status !== 200 || JSON.stringify(res.body) !== JSON.stringify(expected)) failures.push(res.body);
          await new Promise((r) => setTimeout(r, 15));
        }
      })();
      const result = await hostile().finally(() => {
        done = true;
      });
      await victimLoop;
      t.same(failures, [], 'the other tenant got correct answers throughout');
      t.ok(Math.max(...latencies) < 2000, `the other tenant answered within 2 s (slowest ${Math.round(Math.max(...latencies))} ms of ${latencies.length})`);
      return result;
    },
  };
}
