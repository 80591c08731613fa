import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { ApprovalRecord } from './approval-store.js';
import type { StepRecord } from './step-store.js';
import { PRIORITIES, TASK_STATUSES, type TaskRecord } from './task-store.js';
import type { TaskService } from './task-service.js';

const tags = ['agents'];
const read = { config: { policy: tenantPolicy('read') } };
const write = { config: { policy: tenantPolicy('write') } };
/** Letting a risky action through is for the tenant's admins. */
const admin = { config: { policy: tenantPolicy('admin') } };
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const tenantParam = { type: 'string', minLength: 3, maxLength: 63 } as const;
const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: tenantParam } } as const;
const taskParams = { type: 'object', required: ['tenant', 'taskId'], properties: { tenant: tenantParam, taskId: { type: 'string', pattern: UUID } } } as const;
const approvalParams = {
  type: 'object',
  required: ['tenant', 'taskId', 'approvalId'],
  properties: { tenant: tenantParam, taskId: { type: 'string', pattern: UUID }, approvalId: { type: 'string', pattern: UUID } },
} as const;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function taskJson(t: TaskRecord) {
  return {
    id: t.id,
    title: t.title,
    description: t.description,
    type: t.taskType,
    input: t.input,
    priority: t.priority,
    status: t.status,
    agentId: t.agentId,
    mode: t.mode,
    createdBy: { kind: t.createdByKind, id: t.createdById },
    parentTaskId: t.parentTaskId,
    depth: t.depth,
    dueAt: iso(t.dueAt),
    result: t.result,
    failure: t.failureCode ? { code: t.failureCode, reason: t.failureReason } : null,
    usage: { steps: t.steps, tokens: t.usedTokens, costHalalas: t.usedCost, maxSteps: t.maxSteps, budgetTokens: t.budgetTokens, budgetCostHalalas: t.budgetCost },
    createdAt: iso(t.createdAt),
    startedAt: iso(t.startedAt),
    finishedAt: iso(t.finishedAt),
  };
}

function stepJson(s: StepRecord) {
  return {
    seq: s.seq,
    kind: s.kind,
    status: s.status,
    agentId: s.agentId,
    tool: s.tool,
    callId: s.callId,
    data: s.data,
    result: s.result,
    tokens: { input: s.inputTokens, output: s.outputTokens },
    costHalalas: s.cost,
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
    ms: s.finishedAt === null ? null : s.finishedAt - s.startedAt,
  };
}

function approvalJson(a: ApprovalRecord) {
  return { id: a.id, step: a.step, tool: a.tool, arguments: a.arguments, reason: a.reason, status: a.status, decidedBy: a.decidedBy, note: a.decisionNote, createdAt: iso(a.createdAt), decidedAt: iso(a.decidedAt) };
}

/** Agent tasks: create, follow, read the trace, cancel, and decide approvals. */
export async function taskRoutes(instance: FastifyInstance, tasks: TaskService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  // Who asked, for the trace and approvals: the API key's id, never its secret.
  const actorOf = (request: FastifyRequest) => (request.caller?.kind === 'api-key' ? `key:${request.caller.keyId}` : 'platform-admin');

  app.post(
    '/api/v1/:tenant/agents/tasks',
    {
      ...write,
      schema: {
        tags,
        summary: 'Give an agent a task (or the best available agent with the skills); it starts at once',
        params: tenantParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['title'],
          properties: {
            title: { type: 'string', minLength: 1, maxLength: 300 },
            description: { type: 'string', maxLength: 20_000 },
            type: { type: 'string', maxLength: 100 },
            input: { type: 'object', maxProperties: 100 },
            priority: { type: 'string', enum: [...PRIORITIES] },
            agentId: { type: 'string', pattern: UUID },
            skills: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 50 } },
            mode: { type: 'string', enum: ['llm', 'rules'], description: 'rules: run input.tool with input.arguments, no model needed' },
            dueAt: { type: 'string', format: 'date-time' },
            dueInBusinessDays: { type: 'integer', minimum: 0, maximum: 365, description: "Due at the end of the Nth business day from today, by the tenant's work week and holidays" },
            maxSteps: { type: 'integer', minimum: 1, maximum: 200 },
            budgetTokens: { type: 'integer', minimum: 1, maximum: 100_000_000 },
            budgetCost: { type: 'integer', minimum: 1, maximum: 100_000_000, description: 'Halalas' },
          },
        },
      },
    },
    async (request, reply) => reply.code(201).send(taskJson(await tasks.create(tenantOf(request), request.body, { kind: 'api', id: actorOf(request) }))),
  );

  app.get(
    '/api/v1/:tenant/agents/tasks',
    {
      ...read,
      schema: {
        tags,
        summary: "The tenant's tasks, newest first",
        params: tenantParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: { type: 'string', enum: [...TASK_STATUSES] },
            agentId: { type: 'string', pattern: UUID },
            parentTaskId: { type: 'string', pattern: UUID },
            page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
            perPage: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
      },
    },
    async (request) => {
      const { page = 1, perPage = 20, ...filters } = request.query;
      const { items, total } = await tasks.list(tenantOf(request), { ...filters, limit: perPage, offset: (page - 1) * perPage });
      return { items: items.map(taskJson), total, page, perPage };
    },
  );

  app.get('/api/v1/:tenant/agents/tasks/:taskId', { ...read, schema: { tags, summary: 'One task: status, result or failure, usage', params: taskParams } }, async (request) =>
    taskJson(await tasks.get(tenantOf(request), request.params.taskId)),
  );

  app.get(
    '/api/v1/:tenant/agents/tasks/:taskId/trace',
    { ...read, schema: { tags, summary: 'Every step of the task: model answers, tool calls and results, tokens, cost, timings, approvals and subtasks', params: taskParams } },
    async (request) => {
      const trace = await tasks.trace(tenantOf(request), request.params.taskId);
      return { task: taskJson(trace.task), steps: trace.steps.map(stepJson), approvals: trace.approvals.map(approvalJson), subtasks: trace.subtasks.map(taskJson) };
    },
  );

  app.post('/api/v1/:tenant/agents/tasks/:taskId/cancel', { ...write, schema: { tags, summary: 'Cancel a task and its open subtasks', params: taskParams } }, async (request) =>
    taskJson(await tasks.cancel(tenantOf(request), request.params.taskId, actorOf(request))),
  );

  for (const decision of ['approve', 'reject'] as const) {
    app.post(
      `/api/v1/:tenant/agents/tasks/:taskId/approvals/:approvalId/${decision}`,
      {
        ...admin,
        preValidation: async (request: FastifyRequest) => {
          request.body ??= {};
        },
        schema: {
          tags,
          summary: decision === 'approve' ? 'Let a risky tool call run; the task resumes' : 'Refuse a risky tool call; the task ends as rejected',
          params: approvalParams,
          body: { type: 'object', additionalProperties: false, properties: { note: { type: 'string', maxLength: 1000 } } },
        },
      },
      async (request) =>
        taskJson(await tasks.decide(tenantOf(request), request.params.taskId, request.params.approvalId, decision === 'approve' ? 'approved' : 'rejected', actorOf(request), request.body.note ?? null)),
    );
  }
}
