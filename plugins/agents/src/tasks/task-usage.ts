import type { Tenant, TenantsApi, UsageCounter } from '@dogan/tenants';

/** The first instant of the current UTC month: agent usage is reported per calendar month. */
function monthStart(now = new Date()): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
}

/**
 * What a tenant's agents used this month, for the usage API and billing: tasks run (subtasks
 * included), model tokens and model cost in halalas, read from the tasks and their traces.
 */
export function agentUsageCounters(tenants: TenantsApi): UsageCounter[] {
  const one = async (tenant: Tenant, sql: string): Promise<number> => {
    const rows = await (await tenants.data.of(tenant)).query<{ n: number | string | null }>(sql, [monthStart()]);
    return Number(rows[0]?.n ?? 0);
  };
  return [
    { metric: 'agentRunsThisMonth', count: (tenant) => one(tenant, 'SELECT COUNT(*) AS n FROM agent_tasks WHERE created_at >= ?') },
    { metric: 'agentTokensThisMonth', count: (tenant) => one(tenant, 'SELECT SUM(input_tokens + output_tokens) AS n FROM agent_task_steps WHERE started_at >= ?') },
    { metric: 'agentCostHalalasThisMonth', count: (tenant) => one(tenant, 'SELECT SUM(cost) AS n FROM agent_task_steps WHERE started_at >= ?') },
  ];
}
