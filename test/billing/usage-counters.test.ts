import t from 'tap';
import type { Tenant } from '@dogan/tenants';
import { UsageCounterRegistry } from '../../plugins/billing/src/usage/usage-counters.js';

const tenant = { id: 't1', plan: 'starter' } as Tenant;

t.test('a registered counter is read by its metric; a metric nobody counts is 0', async (t) => {
  const counters = new UsageCounterRegistry();
  counters.register({ metric: 'agents', count: async (of) => (of.id === 't1' ? 3 : 0) });
  t.equal(await counters.count(tenant, 'agents'), 3);
  t.equal(await counters.count({ id: 't2', plan: 'starter' } as Tenant, 'agents'), 0, "another tenant gets its own count, not the first one's");
  t.equal(await counters.count(tenant, 'workflows'), 0);
  t.same(counters.metrics(), ['agents']);
});

t.test('misuse fails at registration, naming the metric', async (t) => {
  const counters = new UsageCounterRegistry();
  counters.register({ metric: 'agents', count: async () => 1 });
  t.throws(() => counters.register({ metric: 'agents', count: async () => 2 }), /"agents" is registered already/);
  t.throws(() => counters.register({ metric: 'Agents!', count: async () => 2 }), /"Agents!" must be a plan feature name/);
  t.throws(() => counters.register({ metric: 'apiCallsPerMonth', count: async () => 2 }), /metered by billing itself/);
  t.equal(await counters.count(tenant, 'agents'), 1, 'the first registration stands');
});
