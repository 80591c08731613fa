import type { AgentTool } from '@dogan/runtime';
import type { TenantsApi } from '@dogan/tenants';
import type { WorkflowService } from './workflow-service.js';

/**
 * `workflows_run` for employee agents: starts one of the tenant's enabled workflows with input, as a
 * person would by hand. Idempotent: the call's key is the run's trigger key, so a task resumed after a
 * crash does not start a second run.
 */
export function workflowsAgentTool(tenants: TenantsApi, service: WorkflowService): AgentTool {
  return {
    name: 'workflows_run',
    description: {
      en: "Start one of the tenant's enabled workflows by id with an input object; answers with the run id and its status",
      ar: 'تشغيل أحد مسارات العمل المفعّلة لدى المنشأة بمعرّفه مع مدخلات؛ يعيد معرّف التشغيل وحالته',
    },
    inputSchema: {
      type: 'object',
      additionalProperties: false,
      required: ['workflowId'],
      properties: { workflowId: { type: 'string', description: 'The workflow id' }, input: { type: 'object', description: 'The run input ($.trigger.input)' } },
    },
    risky: false,
    idempotent: true,
    async run(ctx, args) {
      const { workflowId, input } = args as { workflowId: string; input?: Record<string, unknown> };
      const tenant = await tenants.tenants.get(ctx.tenantId);
      const key = ctx.idempotencyKey ?? `${ctx.taskId ?? 'call'}:${workflowId}:${Date.now()}`;
      const started = await service.runNow(tenant, workflowId, input ?? {}, { force: true, kind: 'agent', idempotencyKey: `agent:${key}` });
      return { runId: started.run.id, status: started.run.status, created: started.created };
    },
  };
}
