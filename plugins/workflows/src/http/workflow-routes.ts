import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import { RUN_STATUSES, type RunRecord, type RunStatus } from '../store/run-store.js';
import type { StepRecord } from '../store/step-record-store.js';
import type { WorkflowRecord } from '../store/workflow-store.js';
import type { WorkflowService } from '../workflow-service.js';

const tags = ['workflows'];
const read = { config: { policy: tenantPolicy('read') } };
const write = { config: { policy: tenantPolicy('write') } };
const admin = { config: { policy: tenantPolicy('admin') } };
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const tenantParam = { type: 'string', minLength: 3, maxLength: 63 } as const;
const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: tenantParam } } as const;
const idParams = { type: 'object', required: ['tenant', 'id'], properties: { tenant: tenantParam, id: { type: 'string', pattern: UUID } } } as const;
const runParams = { type: 'object', required: ['tenant', 'id', 'runId'], properties: { tenant: tenantParam, id: { type: 'string', pattern: UUID }, runId: { type: 'string', pattern: UUID } } } as const;
/** The definition is checked by the validator, which names the path of what is wrong; the schema only fixes the envelope. */
const definitionBody = { type: 'object', description: 'A workflow definition (name, trigger, steps...); `enabled` may be given beside it', additionalProperties: true } as const;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function workflowJson(w: WorkflowRecord) {
  return {
    id: w.id,
    name: w.name,
    description: w.description,
    version: w.version,
    enabled: w.enabled,
    trigger: w.definition.trigger,
    definition: w.definition,
    template: w.template,
    webhookSecretSet: w.webhookSecretHash !== null,
    createdAt: iso(w.createdAt),
    updatedAt: iso(w.updatedAt),
  };
}

function runJson(r: RunRecord) {
  return {
    id: r.id,
    workflowId: r.workflowId,
    version: r.version,
    status: r.status,
    trigger: { kind: r.triggerKind, key: r.triggerKey, data: r.trigger },
    vars: r.vars,
    error: r.error,
    replayOf: r.replayOf,
    retries: r.epoch,
    nextAt: iso(r.nextAt),
    createdAt: iso(r.createdAt),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
  };
}

function stepJson(s: StepRecord) {
  return {
    key: s.stepKey,
    stepId: s.stepId,
    type: s.stepType,
    phase: s.phase,
    attempt: s.attempt,
    status: s.status,
    input: s.input,
    output: s.output,
    state: s.state,
    error: s.error,
    retryAt: iso(s.retryAt),
    wakeAt: iso(s.wakeAt),
    startedAt: iso(s.startedAt),
    finishedAt: iso(s.finishedAt),
  };
}

/** `enabled` rides beside the definition in create and update bodies. */
function splitBody(body: Record<string, unknown>): { definition: Record<string, unknown>; enabled: boolean | undefined } {
  const { enabled, ...definition } = body;
  return { definition, enabled: typeof enabled === 'boolean' ? enabled : undefined };
}

/** The workflows API under `/api/v1/{tenant}/workflows`. */
export async function workflowRoutes(instance: FastifyInstance, service: WorkflowService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  const actorOf = (request: FastifyRequest) => (request.caller?.kind === 'api-key' ? `key:${request.caller.keyId}` : 'platform-admin');

  app.get(
    '/api/v1/:tenant/workflows',
    {
      ...read,
      schema: {
        tags,
        summary: "The tenant's workflows",
        params: tenantParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, offset: { type: 'integer', minimum: 0, maximum: 100_000, default: 0 } } },
      },
    },
    async (request) => {
      const { items, total } = await service.list(tenantOf(request), { limit: request.query.limit ?? 50, offset: request.query.offset ?? 0 });
      return { items: items.map(workflowJson), total };
    },
  );

  app.post(
    '/api/v1/:tenant/workflows',
    { ...admin, schema: { tags, summary: 'Create a workflow (validated; PLAN_LIMIT_REACHED past the plan). A webhook trigger answers with its secret, shown this once', params: tenantParams, body: definitionBody } },
    async (request, reply) => {
      const { definition, enabled } = splitBody(request.body as Record<string, unknown>);
      const saved = await service.create(tenantOf(request), definition, { ...(enabled === undefined ? {} : { enabled }) });
      return reply.code(201).send({ ...workflowJson(saved.workflow), ...(saved.webhookSecret ? { webhookSecret: saved.webhookSecret } : {}) });
    },
  );

  app.get(
    '/api/v1/:tenant/workflows/approvals',
    {
      ...read,
      schema: { tags, summary: 'Approvals waiting for a person, across the tenant runs', params: tenantParams, querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 } } } },
    },
    async (request) => ({ items: await service.pendingApprovals(tenantOf(request), request.query.limit ?? 50) }),
  );

  app.get('/api/v1/:tenant/workflows/:id', { ...read, schema: { tags, summary: 'One workflow with its current definition', params: idParams } }, async (request) =>
    workflowJson(await service.get(tenantOf(request), request.params.id)),
  );

  app.put(
    '/api/v1/:tenant/workflows/:id',
    { ...admin, schema: { tags, summary: 'Replace the definition: a new version when it changed (runs already started keep theirs)', params: idParams, body: definitionBody } },
    async (request) => {
      const { definition, enabled } = splitBody(request.body as Record<string, unknown>);
      const tenant = tenantOf(request);
      const saved = await service.update(tenant, request.params.id, definition);
      const workflow = enabled === undefined || enabled === saved.workflow.enabled ? saved.workflow : await service.setEnabled(tenant, request.params.id, enabled);
      return { ...workflowJson(workflow), ...(saved.webhookSecret ? { webhookSecret: saved.webhookSecret } : {}) };
    },
  );

  app.delete('/api/v1/:tenant/workflows/:id', { ...admin, schema: { tags, summary: 'Delete a workflow: its open runs are cancelled; its runs and versions go with it', params: idParams } }, async (request, reply) => {
    await service.remove(tenantOf(request), request.params.id);
    return reply.code(204).send();
  });

  for (const [action, enabled] of [['enable', true], ['disable', false]] as const) {
    app.post(`/api/v1/:tenant/workflows/:id/${action}`, { ...admin, schema: { tags, summary: enabled ? 'Enable: its trigger starts runs again' : 'Disable: its trigger starts no run (runs under way go on)', params: idParams } }, async (request) =>
      workflowJson(await service.setEnabled(tenantOf(request), request.params.id, enabled)),
    );
  }

  app.post(
    '/api/v1/:tenant/workflows/:id/webhook-secret',
    { ...admin, schema: { tags, summary: 'A new secret for the webhook trigger (shown this once); the old one stops working', params: idParams } },
    async (request) => {
      const saved = await service.rotateWebhookSecret(tenantOf(request), request.params.id);
      return { ...workflowJson(saved.workflow), webhookSecret: saved.webhookSecret };
    },
  );

  app.post(
    '/api/v1/:tenant/workflows/:id/run',
    {
      config: { ...write.config, idempotency: true },
      schema: {
        tags,
        summary: 'Start a run now with `input` (manual triggers; others with `force: true`). Idempotency-Key makes a retried request start one run',
        params: idParams,
        body: { type: 'object', additionalProperties: false, properties: { input: { type: 'object', additionalProperties: true, maxProperties: 200 }, force: { type: 'boolean' } } },
      },
    },
    async (request, reply) => {
      const body = (request.body ?? {}) as { input?: Record<string, unknown>; force?: boolean };
      const key = request.headers['idempotency-key'];
      const started = await service.runNow(tenantOf(request), request.params.id, body.input ?? {}, { ...(body.force ? { force: true } : {}), ...(typeof key === 'string' ? { idempotencyKey: key } : {}) });
      return reply.code(202).send(runJson(started.run));
    },
  );

  app.get(
    '/api/v1/:tenant/workflows/:id/runs',
    {
      ...read,
      schema: {
        tags,
        summary: 'Runs of a workflow, newest first (`before`: a createdAt from the last page)',
        params: idParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 }, before: { type: 'string', format: 'date-time' }, status: { type: 'string', enum: [...RUN_STATUSES] } },
        },
      },
    },
    async (request) => {
      const q = request.query as { limit?: number; before?: string; status?: RunStatus };
      const runs = await service.runs(tenantOf(request), request.params.id, { limit: q.limit ?? 50, ...(q.before ? { before: Date.parse(q.before) } : {}), ...(q.status ? { status: q.status } : {}) });
      return { items: runs.map(runJson) };
    },
  );

  app.get('/api/v1/:tenant/workflows/:id/runs/:runId', { ...read, schema: { tags, summary: 'One run with every step attempt: inputs, outputs, errors, waits', params: runParams } }, async (request) => {
    const { run, steps } = await service.run(tenantOf(request), request.params.id, request.params.runId);
    return { ...runJson(run), steps: steps.map(stepJson) };
  });

  app.post('/api/v1/:tenant/workflows/:id/runs/:runId/cancel', { ...write, schema: { tags, summary: 'Cancel a run: no further step starts', params: runParams } }, async (request) =>
    runJson(await service.cancel(tenantOf(request), request.params.id, request.params.runId)),
  );

  app.post(
    '/api/v1/:tenant/workflows/:id/runs/:runId/retry',
    { ...write, schema: { tags, summary: 'Retry a failed run from the step that failed (steps its compensation undid run again)', params: runParams } },
    async (request) => runJson(await service.retry(tenantOf(request), request.params.id, request.params.runId)),
  );

  app.post(
    '/api/v1/:tenant/workflows/:id/runs/:runId/replay',
    { ...write, schema: { tags, summary: 'A new run with the same trigger data and definition version', params: runParams } },
    async (request, reply) => reply.code(202).send(runJson(await service.replay(tenantOf(request), request.params.id, request.params.runId))),
  );

  app.post(
    '/api/v1/:tenant/workflows/:id/runs/:runId/approvals/:stepKey',
    {
      ...write,
      schema: {
        tags,
        summary: 'Approve or reject the approval step a run waits at',
        params: { type: 'object', required: ['tenant', 'id', 'runId', 'stepKey'], properties: { ...runParams.properties, stepKey: { type: 'string', minLength: 1, maxLength: 300 } } },
        body: { type: 'object', additionalProperties: false, required: ['decision'], properties: { decision: { type: 'string', enum: ['approved', 'rejected'] }, note: { type: 'string', maxLength: 2000 } } },
      },
    },
    async (request) => {
      const { decision, note } = request.body as { decision: 'approved' | 'rejected'; note?: string };
      return runJson(await service.decide(tenantOf(request), request.params.id, request.params.runId, request.params.stepKey, decision, actorOf(request), note ?? null));
    },
  );
}
