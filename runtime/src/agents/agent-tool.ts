import { createServiceRef } from '../plugin/service-ref.js';

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
  /**
   * The same for every attempt of one tool call (a retry after a crash or a timeout): a tool with
   * effects does them once per key. Tools that need one and get none make one per call.
   */
  readonly idempotencyKey?: string;
  /** The agent's task this call belongs to, for the tool's own records. */
  readonly taskId?: string;
}

export interface AgentTool {
  /** Unique on the platform, snake case, as models expect: `erpnext_get_document`. */
  readonly name: string;
  readonly description: { readonly en: string; readonly ar: string };
  /** JSON Schema (draft 2020-12 subset every model API accepts) of the input object. */
  readonly inputSchema: Readonly<Record<string, unknown>>;
  /** True when a person must approve each call before it runs. */
  readonly risky: boolean;
  /**
   * True when a second call with the same idempotency key acts at most once (reads; module tools,
   * which keep the key with their effect). A call cut short by a crash is run again only then;
   * otherwise its outcome is reported as unknown rather than risk doing it twice.
   */
  readonly idempotent?: boolean;
  run(context: AgentToolContext, input: Record<string, unknown>): Promise<unknown>;
}

/** A plugin's tools, offered under a service ref of its own (`erpnextAgentToolsRef`). */
export interface AgentToolProvider {
  readonly tools: readonly AgentTool[];
}

/**
 * Where plugins offer their tools to agents: the agents plugin provides it, and a plugin with tools
 * (ERPNext, email, workflows) registers them in its `init` when it is there (an optional dependency,
 * so the registry is initialised first). The agents plugin thus knows no tool provider by name.
 */
export interface AgentToolRegistry {
  /** Adds a provider's tools; a second registration under the same name replaces the first. */
  register(provider: string, tools: readonly AgentTool[]): void;
  /** Every registered tool, in registration order. */
  all(): readonly AgentTool[];
}

export const agentToolRegistryRef = createServiceRef<AgentToolRegistry>({ id: 'agents.toolRegistry' });
