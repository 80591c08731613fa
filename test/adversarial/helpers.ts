import type { Test } from 'tap';
import type { SqlParam } from '@dogan/tenants';
import type { SandboxOptionsInput } from '../../runtime/src/sandbox/index.js';
import { loadFixture, startModulesKernel, type ModulesKernel } from '../sandbox/helpers.js';


/** Limits tightened so the suite runs fast; the code paths are the production ones. */
export const ADVERSARIAL_SANDBOX = {
  limits: { cpuMs: { route: 100, event: 100, hook: 300 }, wallMs: { route: 1500, event: 1500, hook: 3000 } },
  network: { trustedHosts: { 'allowed.test': '127.0.0.1' }, dnsOverrides: { 'private.test': '127.0.0.1' } },
};

export interface Arena extends ModulesKernel {
  /** Tenant 0 (or `tenant`) runs the attacks, tenant 1 runs the same module version alongside. */
  attack(name: string, query?: string, tenant?: number): Promise<{ status: number; body: any; ms: number; headers: Record<string, unknown> }>;
  /**
   * Runs `hostile` while tenant 1 keeps calling the same module version; asserts every one of its
   * calls got the right answer within 2 s and that the host still serves afterwards.
   */
  alongside<T>(t: Test, hostile: () => Promise<T>): Promise<T>;
  rows(tenant: number, sql: string, params?: SqlParam[]): Promise<Array<Record<string, unknown>>>;
}

/** More tenants (every one runs the hostile module; 1 is the victim) and sandbox options beside the limits. */
export interface ArenaOptions {
  tenants?: number;
  sandbox?: Omit<SandboxOptionsInput, 'limits' | 'network'>;
}

export async function startArena(t: Test, port = 1, limits: Record<string, unknown> = {}, options: ArenaOptions = {}): Promise<Arena> {
  const tenants = Math.max(2, options.tenants ?? 2);
  const k = await startModulesKernel(t, { tenantCount: tenants, sandbox: { ...ADVERSARIAL_SANDBOX, ...options.sandbox, limits: { ...ADVERSARIAL_SANDBOX.limits, ...limits } } });
  loadFixture(k.runtime, 'hostile', { PORT: port });
  for (let n = 0; n < tenants; n++) await k.runtime.enableForTenant(k.tenant(n).id, 'test.hostile', ['store', 'ping', 'web']);
  const rows = async (tenant: number, sql: string, params: SqlParam[] = []) => (await k.tenants.data.of(k.tenant(tenant))).query(sql, params);
  const now = new Date().toISOString();
  for (let n = 0; n < tenants; n++) {
    await rows(n, "INSERT INTO module_documents (module_id, collection, id, data, created_at, updated_at) VALUES ('test.hostile', 'items', 'secret', ?, ?, ?)", [JSON.stringify({ value: `secret of tenant ${n}` }), now, now]);
  }
  const victim = k.tenant(1);
  return {
    ...k,
    rows,
    attack: (name, query = '', tenant = 0) => k.call(k.tenant(tenant), 'test.hostile', `/attack/${name}${query}`),
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
