import type { AgentTool } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';

/**
 * What the task runner needs from the rest of the plugin and the platform, as narrow ports: the org
 * chart, the models, the tools. Each is wired in the plugin's index from the part that owns it, so
 * the runner can be tested with the real parts and read without them.
 */

/** An agent as the runner sees it. */
export interface RunnerAgent {
  readonly id: string;
  readonly nameEn: string;
  readonly nameAr: string;
  readonly title: string;
  readonly department: string | null;
  readonly goal: string;
  readonly persona: string;
  readonly status: string;
  readonly managerId: string | null;
  /** Tool names it may use (`erpnext_*` covers a family); delegation and escalation follow the org chart instead. */
  readonly tools: readonly string[];
  readonly llmProfile: string | null;
}

export interface RunnerOrg {
  agent(tenant: Tenant, id: string): Promise<RunnerAgent | null>;
  /** Whether `from` may hand work to `to`: a direct report, a member of a team `from` leads, or `from`'s manager. */
  canDelegate(tenant: Tenant, fromId: string, toId: string): Promise<boolean>;
  /** Whether `from` has anyone to delegate to (the tool is offered only then). */
  hasDelegates(tenant: Tenant, fromId: string): Promise<boolean>;
  /** Whether `from` and `to` work side by side: the same team or the same department. */
  areCoworkers(tenant: Tenant, fromId: string, toId: string): Promise<boolean>;
}

/** The model's side of one chat turn (the LLM layer's provider interface, narrowed). */
export interface ModelToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: unknown;
}
export type ModelMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ModelToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };
export interface ModelReply {
  readonly text: string;
  readonly toolCalls: ModelToolCall[];
  readonly usage: { readonly inputTokens: number; readonly outputTokens: number };
  readonly model: string;
}
export interface RunnerModel {
  chat(request: { system: string; messages: ModelMessage[]; tools: Array<{ name: string; description: string; inputSchema: Record<string, unknown> }>; signal?: AbortSignal }): Promise<ModelReply>;
  /** Halalas for this usage, from the profile's price per million tokens. */
  cost(usage: { inputTokens: number; outputTokens: number }): number;
}

export interface RunnerModels {
  /** The model an agent thinks with (its profile, or the tenant's default); throws a typed error when there is none. */
  forAgent(tenant: Tenant, agent: RunnerAgent): Promise<RunnerModel>;
}

/** Tools from other plugins (ERPNext, email) and from the tenant's modules. */
export interface RunnerTools {
  forTenant(tenant: Tenant): Promise<AgentTool[]>;
}
