import { createHash, randomUUID } from 'node:crypto';
import type { AgentTool } from '@dogan/runtime';
import type { ModuleRuntime } from './module-runtime.js';

/** What model APIs accept as a tool's name. */
export const AGENT_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_NAME = 64;
// A module id is `publisher.name`, both parts [a-z][a-z0-9-]*; a tool name is [a-z][a-z0-9_]*.
const PLAIN = /^([a-z][a-z0-9-]*)_([a-z][a-z0-9-]*)__([a-z][a-z0-9_]*)$/;

/**
 * The name agents know a module's tool by: the module id with its dot as `_`, then `__`, then the
 * tool (`acme.crm` + `create_lead` → `acme_crm__create_lead`). A module id has no `_` of its own,
 * so the first `__` always ends it and {@link parseModuleToolName} gives both back. When that is
 * longer than 64 characters, the name is the id's start with `-` for the dot, a hash of module and
 * tool, `__` and as much of the tool's name as fits: it has no `_` before its first `__`, so it is
 * never read as the plain form, and the caller finds it in the tool list instead.
 */
export function moduleToolName(moduleId: string, tool: string): string {
  const plain = `${moduleId.replace('.', '_')}__${tool}`;
  if (plain.length <= MAX_NAME) return plain;
  const hash = createHash('sha256').update(`${moduleId}\u0000${tool}`).digest('hex').slice(0, 12);
  return `${moduleId.replace('.', '-').slice(0, 24)}-${hash}__${tool}`.slice(0, MAX_NAME);
}

/** Module and tool of a name {@link moduleToolName} made in its plain form; undefined for a shortened name or another's. */
export function parseModuleToolName(name: string): { moduleId: string; tool: string } | undefined {
  const m = PLAIN.exec(name);
  if (!m || name.length > MAX_NAME) return undefined;
  return { moduleId: `${m[1]}.${m[2]}`, tool: m[3]! };
}

/** An agent tool backed by a module's tool: the {@link AgentTool} contract, and where it comes from. */
export interface ModuleAgentTool extends AgentTool {
  readonly moduleId: string;
  /** The tool's name in the module's manifest. */
  readonly tool: string;
}

/**
 * The agent tools the modules enabled for a tenant offer, for an agent of that tenant. Each call runs
 * the module's tool in the sandbox through {@link ModuleRuntime.runTool}, for the tenant of the call's
 * context (never one from the input), with the context's idempotency key (a new one per call when the
 * caller gives none: such calls are not deduplicated). None is `risky` by default.
 */
export function moduleAgentTools(runtime: ModuleRuntime, tenantId: string): ModuleAgentTool[] {
  const seen = new Set<string>();
  const tools: ModuleAgentTool[] = [];
  for (const info of runtime.toolsFor(tenantId)) {
    const name = moduleToolName(info.moduleId, info.name);
    // Two tools under one shortened name would be one the model cannot tell apart: the first keeps it.
    if (seen.has(name)) continue;
    seen.add(name);
    tools.push({
      name,
      moduleId: info.moduleId,
      tool: info.name,
      description: { en: info.description.en, ar: info.description.ar },
      inputSchema: info.parameters,
      risky: false,
      // Module tools keep the idempotency key with their effect (the SDK's contract for tools).
      idempotent: true,
      async run(context, input) {
        context.signal?.throwIfAborted();
        return runtime.runTool(context.tenantId, info.moduleId, info.name, input, {
          idempotencyKey: context.idempotencyKey ?? randomUUID(),
          ...(context.agentId === undefined ? {} : { agentId: context.agentId }),
          ...(context.taskId === undefined ? {} : { taskId: context.taskId }),
        });
      },
    });
  }
  return tools;
}
