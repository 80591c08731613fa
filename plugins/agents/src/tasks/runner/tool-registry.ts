import type { AgentTool, AgentToolRegistry } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { RunnerTools } from './ports.js';

/** Tool names as models accept them. */
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * The platform's tools for agents: what plugins registered (the same for every tenant: each tool runs
 * for the tenant in its context), plus each tenant's own module tools, looked up per run.
 */
export class ToolRegistry implements AgentToolRegistry, RunnerTools {
  private readonly providers = new Map<string, readonly AgentTool[]>();

  constructor(private readonly tenantTools: (tenant: Tenant) => Promise<readonly AgentTool[]> = async () => []) {}

  register(provider: string, tools: readonly AgentTool[]): void {
    const bad = tools.find((t) => !TOOL_NAME.test(t.name));
    if (bad) throw new Error(`agent tool "${bad.name}" of ${provider}: names are 1-64 of [a-zA-Z0-9_-]`);
    this.providers.set(provider, tools);
  }

  all(): readonly AgentTool[] {
    return [...this.providers.values()].flat();
  }

  async forTenant(tenant: Tenant): Promise<AgentTool[]> {
    const byName = new Map<string, AgentTool>();
    for (const tool of [...this.all(), ...(await this.tenantTools(tenant))]) if (!byName.has(tool.name)) byName.set(tool.name, tool);
    return [...byName.values()];
  }
}
