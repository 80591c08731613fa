import type { FastifyInstance } from 'fastify';
import { bearerToken, routeCredentialPolicy, tokenMatchesHash } from '@dogan/runtime';
import { TenantErrors, type TenantsApi } from '@dogan/tenants';
import { WorkflowErrors } from '../errors.js';
import { WorkflowStore } from '../store/workflow-store.js';
import type { WorkflowService } from '../workflow-service.js';

/** The caller proves itself with the workflow's own secret, which the handler checks. */
const config = { policy: routeCredentialPolicy('workflow-webhook-secret', 'write') };
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/**
 * `POST /api/webhooks/workflows/{tenant}/{workflowId}`: starts a run of a workflow with a webhook
 * trigger, the request's JSON body at `$.trigger.body`. The secret comes as `X-Dogan-Webhook-Secret`
 * or a bearer token; an `Idempotency-Key` makes a redelivered request start no second run.
 */
export async function webhookRoute(app: FastifyInstance, deps: { tenants: TenantsApi; service: WorkflowService; maxBytes: number }): Promise<void> {
  app.post(
    '/api/webhooks/workflows/:tenant/:id',
    {
      config,
      bodyLimit: deps.maxBytes,
      schema: {
        tags: ['workflows'],
        summary: 'Start a workflow with a webhook trigger (secret in X-Dogan-Webhook-Secret or Authorization: Bearer)',
        params: { type: 'object', required: ['tenant', 'id'], properties: { tenant: { type: 'string', maxLength: 80 }, id: { type: 'string', pattern: UUID } } },
      },
    },
    async (request, reply) => {
      const { tenant: ref, id } = request.params as { tenant: string; id: string };
      let tenant;
      try {
        tenant = await deps.tenants.tenants.find(ref);
      } catch (err) {
        if (TenantErrors.TENANT_ID_INVALID.is(err)) throw TenantErrors.TENANT_NOT_FOUND(ref.slice(0, 80));
        throw err;
      }
      if (!tenant || (tenant.status !== 'trial' && tenant.status !== 'active')) throw TenantErrors.TENANT_NOT_FOUND(ref.slice(0, 80));
      const workflow = await WorkflowStore.get(await deps.tenants.data.of(tenant), id);
      if (!workflow || !workflow.enabled || workflow.triggerType !== 'webhook' || !workflow.webhookSecretHash) throw WorkflowErrors.WORKFLOW_WEBHOOK_NOT_FOUND();
      const header = request.headers['x-dogan-webhook-secret'];
      const secret = typeof header === 'string' ? header : bearerToken(request);
      if (!secret || !tokenMatchesHash(secret, workflow.webhookSecretHash)) throw WorkflowErrors.WORKFLOW_WEBHOOK_UNAUTHORIZED();
      const key = request.headers['idempotency-key'];
      const started = await deps.service.start(tenant, workflow, 'webhook', typeof key === 'string' && key.length > 0 ? `webhook:${key.slice(0, 200)}` : null, {
        type: 'webhook',
        body: request.body ?? null,
        receivedAt: new Date().toISOString(),
      });
      return reply.code(202).send({ runId: started.run.id, created: started.created });
    },
  );
}
