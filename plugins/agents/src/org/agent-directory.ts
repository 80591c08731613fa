import { createServiceRef } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { Agent, AgentFilter } from './agent.js';
import type { OrgService } from './org-service.js';

/**
 * The org chart as the task runner reads it: who an agent is, whom it manages and answers to, and
 * whom it may hand work to. Reads only; a tenant's chart is loaded once per call.
 */
export interface AgentDirectory {
  /** One agent; throws AGENT_NOT_FOUND (404) when the tenant has none with that id. */
  get(tenant: Tenant, agentId: string): Promise<Agent>;
  /** The tenant's agents matching `filter` (department, team, status, role, skill), oldest first. */
  list(tenant: Tenant, filter?: AgentFilter): Promise<Agent[]>;
  /** The agents reporting to `agentId`: directly, or (`all`) everyone below it, level by level. Throws AGENT_NOT_FOUND. */
  reports(tenant: Tenant, agentId: string, options?: { readonly all?: boolean }): Promise<Agent[]>;
  /** The managers above `agentId`: its own first, the top last; empty at the top. Throws AGENT_NOT_FOUND. */
  chain(tenant: Tenant, agentId: string): Promise<Agent[]>;
  /**
   * Whether `fromId` may hand work to `toId`: `to` reports to `from` directly, is a member of a team
   * `from` leads, or is `from`'s own manager (escalation). False for itself and for unknown agents.
   */
  canDelegate(tenant: Tenant, fromId: string, toId: string): Promise<boolean>;
  /** The ids of the agents `fromId` may delegate to: its direct reports and the members of teams it leads (its manager is escalation, not delegation). */
  delegates(tenant: Tenant, fromId: string): Promise<string[]>;
}

export const agentsDirectoryRef = createServiceRef<AgentDirectory>({ id: 'agents.directory' });

export function agentDirectory(org: OrgService): AgentDirectory {
  return {
    get: (tenant, agentId) => org.get(tenant, agentId),
    list: (tenant, filter) => org.list(tenant, filter),
    reports: (tenant, agentId, options) => org.reports(tenant, agentId, options?.all ?? false),
    chain: (tenant, agentId) => org.chain(tenant, agentId),
    canDelegate: (tenant, fromId, toId) => org.canDelegate(tenant, fromId, toId),
    delegates: (tenant, fromId) => org.delegates(tenant, fromId),
  };
}
