/**
 * The contract between plugins that offer tools (ERPNext, email, modules) and the agents that call
 * them. A tool is described for a model (name, description, JSON Schema of its input) and says
 * whether a person must approve a call before it runs (`risky`: submitting an invoice, sending mail).
 * Tools run for one tenant at a time; the tenant always comes from the context, never the input.
 */

/** What a tool call knows about who is calling. */
export interface AgentToolContext {
  readonly tenantId: string;
  /** The agent making the call, for the tool's own logs. */
  readonly agentId?: string;
  /** Aborted when the run is cancelled or times out. */
  readonly signal?: AbortSignal;
}

export interface AgentTool {
  /** Unique on the platform, snake case, as models expect: `erpnext_get_document`. */
  readonly name: string;
  readonly description: { readonly en: string; readonly ar: string };
  /** JSON Schema (draft 2020-12 subset every model API accepts) of the input object. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
  /** True when a person must approve each call before it runs. */
  readonly risky: boolean;
  run(context: AgentToolContext, input: Record<string, unknown>): Promise<unknown>;
}

/** A plugin's tools, offered under a service ref of its own (`erpnextAgentToolsRef`). */
export interface AgentToolProvider {
  readonly tools: readonly AgentTool[];
}
