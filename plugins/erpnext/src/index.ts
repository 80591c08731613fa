import { agentToolRegistryRef, createSecretBox, createServiceRef, definePlugin, type AgentToolProvider } from '@dogan/runtime';
import { modulesRuntimeRef } from '@dogan/plugin-modules';
import { clusterSchedulerRef, eventOutboxRef, planFeaturesRef, tenantsApiRef, type ScheduledJob } from '@dogan/tenants';
import type { Agent } from 'undici';
import { isDocumentOperation, runDocumentOperation } from './capability/document-operations.js';
import { erpnextConfigSchema } from './config.js';
import { ConnectionService } from './connections/connection-service.js';
import { siteDispatcher } from './connections/site-address.js';
import { erpnextApiRef, type ErpnextApi } from './erpnext-api.js';
import { ErpnextErrors } from './errors.js';
import { connectionRoutes } from './http/connection-routes.js';
import { documentRoutes } from './http/document-routes.js';
import { hookRoutes } from './http/hook-routes.js';
import { intakeRoute } from './http/intake-route.js';
import { syncRoutes } from './http/sync-routes.js';
import { erpnextControlPlaneMigrations, erpnextTenantMigrations } from './store/migrations.js';
import { SyncDueIndex } from './store/sync-due-index.js';
import { SyncRunner } from './sync/sync-runner.js';
import { SyncService } from './sync/sync-service.js';
import { erpnextAgentTools } from './tools/agent-tools.js';
import { HookService } from './webhooks/hook-service.js';
import { WebhookIntake } from './webhooks/webhook-intake.js';

export { ErpnextErrors } from './errors.js';
export { erpnextApiRef, type ErpnextApi, type ConnectionInput, type ConnectionView, type ErpnextVerb } from './erpnext-api.js';
export { erpnextConfigSchema, type ErpnextConfig } from './config.js';
export { erpnextEventType } from './webhooks/event-type.js';
export { frappeSignature, verifySignature, SIGNATURE_HEADER } from './webhooks/signature.js';
export { pythonJsonDumps } from './webhooks/python-json.js';
export { webhookJsonTemplate } from './webhooks/hook-settings.js';
export type { ErpnextChangePayload } from './webhooks/webhook-intake.js';
export type { SyncService } from './sync/sync-service.js';
export type { ConnectionService } from './connections/connection-service.js';

/** The ERPNext tools agents may be given (submit, cancel and delete are `risky`: a person approves each call). */
export const erpnextAgentToolsRef = createServiceRef<AgentToolProvider>({ id: 'erpnext.agentTools' });

interface ErpnextPlugin {
  readonly connections: ConnectionService;
  readonly hooks: HookService;
  readonly intake: WebhookIntake;
  readonly syncs: SyncService;
  readonly dispatcher: Agent;
  job: ScheduledJob | undefined;
}

export default definePlugin({
  name: 'erpnext',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: "ERPNext connector: each tenant's own Frappe sites, a faithful REST client, signed webhooks into events, sync, and the erpnext capability",
  config: erpnextConfigSchema,
  deps: { tenants: tenantsApiRef },
  // Events publish through the outbox, the sync job runs on the cluster scheduler, modules get the
  // capability and billing's plans gate the feature, each when that plugin is loaded.
  optionalDeps: { outbox: eventOutboxRef, scheduler: clusterSchedulerRef, modules: modulesRuntimeRef, plans: planFeaturesRef, agentTools: agentToolRegistryRef },
  provides: [erpnextApiRef, erpnextAgentToolsRef],
  tenantMigrations: erpnextTenantMigrations,
  controlPlaneMigrations: erpnextControlPlaneMigrations,

  init(ctx): ErpnextPlugin {
    const { tenants } = ctx.deps;
    const config = ctx.config;
    const box = createSecretBox(config);
    const dispatcher = siteDispatcher(config.ERPNEXT_ALLOW_PRIVATE_NETWORKS, config.ERPNEXT_TIMEOUT_MS);
    const plans = () => ctx.deps.plans ?? ctx.services.getOptional(planFeaturesRef);
    const connections = new ConnectionService({
      tenants,
      box,
      config,
      dispatcher,
      planAllows: async (tenant) => {
        const service = plans();
        return service ? service.hasFeature(tenant, 'erpnextIntegration') : true;
      },
      log: ctx.log,
    });
    const outbox = () => ctx.deps.outbox ?? ctx.services.getOptional(eventOutboxRef);
    const hooks = new HookService(tenants, box, connections);
    const intake = new WebhookIntake({ tenants, hooks, outbox, log: ctx.log });
    const runner = new SyncRunner({ tenants, connections, outbox, pageSize: config.ERPNEXT_SYNC_PAGE_SIZE, log: ctx.log });
    const syncs = new SyncService(tenants, connections, runner, new SyncDueIndex(tenants.data.controlPlane), ctx.log);

    const api: ErpnextApi = {
      connections: {
        save: async (tenantId, input) => connections.save(await connections.tenant(tenantId), input),
        list: async (tenantId) => connections.list(await connections.tenant(tenantId)),
        remove: async (tenantId, name) => connections.remove(await connections.tenant(tenantId), name),
      },
      async moduleOperation(tenantId, op, args) {
        const verb = op.startsWith('erpnext.') ? op.slice('erpnext.'.length) : op;
        if (!isDocumentOperation(verb)) throw ErpnextErrors.ERPNEXT_REQUEST_INVALID(`operation "${op.slice(0, 40)}" is not one of list, get, create, update, delete, submit, cancel`);
        return runDocumentOperation(connections, await connections.tenant(tenantId), verb, args);
      },
    };
    ctx.provide(erpnextApiRef, api);
    const tools = erpnextAgentTools(connections);
    ctx.provide(erpnextAgentToolsRef, { tools });
    // Agents get these tools when the agents plugin is loaded (it is initialised first, as an optional dependency).
    ctx.deps.agentTools?.register('erpnext', tools);
    // Modules reach ERPNext only through this: the modules runtime checks the grant, then hands the call here.
    ctx.deps.modules?.provideCapability('erpnext', (call) => api.moduleOperation(call.tenant.id, call.op, call.args));
    return { connections, hooks, intake, syncs, dispatcher, job: undefined };
  },

  async routes(app, ctx, plugin) {
    await connectionRoutes(app, plugin.connections);
    await hookRoutes(app, plugin.hooks, ctx.config.ERPNEXT_WEBHOOK_BASE_URL);
    await syncRoutes(app, plugin.syncs);
    await documentRoutes(app, plugin.connections);
    await intakeRoute(app, plugin.intake, ctx.config.ERPNEXT_WEBHOOK_MAX_BYTES);
  },

  async onReady(ctx, plugin) {
    const scheduler = ctx.deps.scheduler ?? ctx.services.getOptional(clusterSchedulerRef);
    if (!scheduler) return;
    plugin.job = scheduler.scheduleOncePerCluster('erpnext_sync', { intervalMs: ctx.config.ERPNEXT_SYNC_INTERVAL_MS, run: () => plugin.syncs.runDue() });
  },

  async onClose(_ctx, plugin) {
    await plugin.job?.stop();
    await plugin.dispatcher.close();
  },
});
