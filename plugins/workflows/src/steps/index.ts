import type { AgentTasksApi } from '@dogan/plugin-agents';
import type { ErpnextApi } from '@dogan/plugin-erpnext';
import type { ModuleRuntime } from '@dogan/plugin-modules';
// See email-step.ts: the email plugin's entry does not exist yet.
import type { EmailApi } from '@dogan/plugin-email';
import { agentTaskExecutor } from './agent-task-step.js';
import { emailExecutor } from './email-step.js';
import { erpnextExecutor } from './erpnext-step.js';
import { httpExecutor } from './http-step.js';
import { moduleRouteExecutor } from './module-route-step.js';
import { moduleToolExecutor } from './module-tool-step.js';
import { setExecutor } from './set-step.js';
import type { StepExecutor } from './step-executor.js';

export { agentTaskExecutor, type AgentTaskStepOptions } from './agent-task-step.js';
export { emailExecutor, type EmailSender } from './email-step.js';
export { erpnextExecutor, erpnextRetryable, type ErpnextOperations } from './erpnext-step.js';
export { checkTarget, parseStepUrl, type CheckedTarget, type Resolver } from './http-guard.js';
export { DEFAULT_MAX_RESPONSE_BYTES, httpExecutor, type HttpStepOptions } from './http-step.js';
export { moduleCallRetryable, moduleRouteExecutor, type ModuleRoutes } from './module-route-step.js';
export { moduleToolExecutor, toolCallKey, type ModuleTools } from './module-tool-step.js';
export { setExecutor } from './set-step.js';
export { STEP_FAILURES, type StepFailureCode } from './step-failures.js';

/**
 * The other plugins' services the action steps call, each read when a step runs: undefined when that
 * plugin is not loaded, and the step then fails with WORKFLOW_STEP_UNAVAILABLE naming it. Getters, not
 * values, so a plugin initialised after this one is still found. Two settings ride along.
 */
export interface StepPorts {
  readonly modules: () => ModuleRuntime | undefined;
  readonly agentTasks: () => AgentTasksApi | undefined;
  readonly erpnext: () => ErpnextApi | undefined;
  readonly email: () => EmailApi | undefined;
  /** The http step may reach private, loopback and link-local addresses: tests only. Default false. */
  readonly allowPrivateNetworks?: boolean;
  /** The agent_task step's first wait between looks at its task, ms (it grows from there); default 5000. */
  readonly agentPollMs?: number;
}

/** The executors of the action steps (module_route, module_tool, agent_task, erpnext, email, http, set). */
export function actionExecutors(ports: StepPorts): StepExecutor[] {
  return [
    moduleRouteExecutor(ports.modules),
    moduleToolExecutor(ports.modules),
    agentTaskExecutor(ports.agentTasks, ports.agentPollMs === undefined ? {} : { pollMs: ports.agentPollMs }),
    erpnextExecutor(ports.erpnext),
    emailExecutor(ports.email),
    httpExecutor({ allowPrivateNetworks: ports.allowPrivateNetworks ?? false }),
    setExecutor(),
  ];
}
