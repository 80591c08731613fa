import { eventTypeMatches, type EventConsumer } from '@dogan/runtime';
import type { TenantsApi } from '@dogan/tenants';
import { matchesFilter } from '../definition/filter.js';
import { WorkflowStore } from '../store/workflow-store.js';
import type { WorkflowService } from '../workflow-service.js';

/** The durable consumer's name: one per cluster, each event handled by one node. */
export const WORKFLOWS_CONSUMER = 'workflows';

/**
 * Starts the tenant's enabled workflows whose event trigger matches each platform event (type pattern,
 * then filter). Idempotent by event id: a redelivered event finds its runs started (the run's trigger
 * key is the event id). A workflow is never started by the events of its own runs, so a workflow
 * listening to `workflow.*` cannot loop on itself.
 */
export function workflowsConsumer(deps: { tenants: TenantsApi; service: WorkflowService }): EventConsumer {
  return {
    name: WORKFLOWS_CONSUMER,
    delivery: 'shared',
    types: ['*'],
    async handle(event) {
      if (!event.tenantId) return;
      const tenant = await deps.tenants.tenants.find(event.tenantId);
      if (!tenant || (tenant.status !== 'trial' && tenant.status !== 'active')) return;
      const db = await deps.tenants.data.of(tenant);
      const candidates = await WorkflowStore.enabledWith(db, 'event');
      const own = event.type.startsWith('workflow.') ? (event.payload as { workflowId?: string } | null)?.workflowId : undefined;
      const subject = { id: event.id, type: event.type, version: event.version, occurredAt: event.occurredAt, payload: event.payload };
      for (const workflow of candidates) {
        const trigger = workflow.definition.trigger;
        if (trigger.type !== 'event' || workflow.id === own) continue;
        if (!eventTypeMatches([trigger.event], event.type)) continue;
        if (trigger.filter && !matchesFilter(trigger.filter, subject)) continue;
        await deps.service.start(tenant, workflow, 'event', `event:${event.id}`, { type: 'event', event: subject });
      }
    },
  };
}
