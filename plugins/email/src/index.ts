import { createSecretBox, definePlugin, eventBusRef, type ConfigValues, type EventSubscription } from '@dogan/runtime';
import { ksaServiceRef } from '@dogan/plugin-ksa';
import { modulesRuntimeRef, type ModuleRuntime } from '@dogan/plugin-modules';
import { clusterSchedulerRef, eventOutboxRef, invoiceDocumentsRef, TenantDueIndex, tenantsApiRef } from '@dogan/tenants';
import type { Logger } from 'pino';
import { moduleEmailCapability, type ModuleEmailCall } from './capability/module-email.js';
import { checkEmailConfig, emailConfigSchema } from './config.js';
import { emailApiRef, type EmailApi } from './email-api.js';
import { EmailErrors } from './errors.js';
import { messageRoutes } from './http/message-routes.js';
import { settingsRoutes } from './http/settings-routes.js';
import { suppressionRoutes } from './http/suppression-routes.js';
import { templateRoutes } from './http/template-routes.js';
import { noticesConsumer } from './notices/notice-consumer.js';
import { Deliverer } from './send/deliver.js';
import { SendService } from './send/send-service.js';
import { SendWorker } from './send/send-worker.js';
import { billingContact } from './notices/billing-contact.js';
import { messageView } from './send/views.js';
import { SettingsService } from './settings/settings-service.js';
import { TransportCache } from './smtp/transports.js';
import { emailControlPlaneMigrations, emailTenantMigrations } from './store/migrations.js';
import { inboundConfigSchema, inboundControlPlaneMigrations, inboundParts, inboundTenantMigrations, type InboundParts } from './inbound/index.js';
import { SuppressionService } from './suppressions/suppression-service.js';
import { Localization } from './templates/localization.js';
import { TemplateService } from './templates/template-service.js';

export { emailApiRef, type EmailApi, type EmailMessageView, type EmailStatus, type OutgoingEmail } from './email-api.js';
export { EmailErrors, type EmailErrorCode } from './errors.js';
export { emailConfigSchema, checkEmailConfig, type EmailConfig } from './config.js';
export { BUILTIN_TEMPLATES, isBuiltinTemplate, type BuiltinTemplateName } from './templates/builtin.js';
export { parseTemplate, renderTemplate, escapeHtml, FILTERS, TemplateSyntaxError, type TemplateFormatter } from './templates/render.js';
export { htmlToText, wrapHtml } from './templates/layout.js';
export { classifySmtpError, type SmtpFailure } from './smtp/smtp-errors.js';
export { backoffMs } from './send/deliver.js';
export { NOTICES_CONSUMER, NOTICE_EVENT_TYPES } from './notices/notice-consumer.js';
export type { MessageView, MessageDetailView } from './send/views.js';
export type { SettingsView, SettingsInput } from './settings/settings-service.js';
export type { TemplateView, RenderedMessage } from './templates/template-service.js';
export type { ModuleEmailCall } from './capability/module-email.js';
export { EMAIL_RECEIVED, InboundErrors, type EmailReceivedPayload } from './inbound/index.js';

/** The email plugin's parts, for its routes and lifecycle (and tests, through `kernel.host.instanceOf('email')`). */
export interface EmailPlugin {
  readonly settings: SettingsService;
  readonly templates: TemplateService;
  readonly sender: SendService;
  readonly suppressions: SuppressionService;
  readonly localization: Localization;
  readonly worker: SendWorker;
  readonly transports: TransportCache;
  readonly due: TenantDueIndex;
  /** Inbound mail: the providers' intake route, IMAP mailboxes and their poll job. */
  readonly inbound: InboundParts;
  subscription: EventSubscription | undefined;
}

/**
 * Offers `email.send` to modules. A modules runtime that does not know the capability yet (its table
 * of capabilities predates email) refuses the registration: then modules cannot send mail, and the
 * platform says so once instead of failing to start.
 */
function offerToModules(modules: ModuleRuntime, handler: (call: ModuleEmailCall) => Promise<unknown>, log: Logger): void {
  try {
    modules.provideCapability('email', handler);
  } catch (err) {
    if (err instanceof Error && err.message.includes('no module capability "email"')) {
      log.warn('the modules runtime does not know the email capability: modules cannot send mail (email.send)');
      return;
    }
    throw err;
  }
}

export default definePlugin({
  name: 'email',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: "Email for tenants and the platform: each tenant's SMTP server or the platform's, Arabic and English templates, a send queue with retries, rate limits and suppression, and the platform's notices",
  config: { ...emailConfigSchema, ...inboundConfigSchema },
  checkConfig: (values: ConfigValues<typeof emailConfigSchema & typeof inboundConfigSchema>, problems: string[]) => checkEmailConfig(values, problems),
  deps: { tenants: tenantsApiRef },
  // Notices come from the bus, formatting from the KSA plugin, and modules get email.send, each when loaded.
  // Inbound mail becomes events through the outbox; IMAP mailboxes are read by a once-per-cluster job.
  optionalDeps: { bus: eventBusRef, ksa: ksaServiceRef, modules: modulesRuntimeRef, outbox: eventOutboxRef, scheduler: clusterSchedulerRef, invoices: invoiceDocumentsRef },
  provides: [emailApiRef],
  tenantMigrations: [...emailTenantMigrations, ...inboundTenantMigrations],
  controlPlaneMigrations: [...emailControlPlaneMigrations, ...inboundControlPlaneMigrations],

  init(ctx): EmailPlugin {
    const { tenants } = ctx.deps;
    const config = ctx.config;
    const box = createSecretBox(config);
    const transports = new TransportCache();
    const localization = new Localization(() => ctx.deps.ksa ?? ctx.services.getOptional(ksaServiceRef));
    const settings = new SettingsService({ data: tenants.data, box, config, transports, log: ctx.log });
    const templates = new TemplateService(tenants.data, localization);
    // Tenants with email due: one control-plane table every node's worker reads.
    const due = new TenantDueIndex(tenants.data.controlPlane, 'email_send_due');
    let worker: SendWorker | undefined;
    const sender = new SendService({ data: tenants.data, settings, templates, localization, due, kick: () => worker?.kick() });
    const deliverer = new Deliverer({ data: tenants.data, settings, maxAttempts: config.EMAIL_MAX_ATTEMPTS, retryBaseMs: config.EMAIL_RETRY_BASE_MS, log: ctx.log });
    worker = new SendWorker({
      tenants: tenants.tenants,
      data: tenants.data,
      due,
      settings,
      deliverer,
      pollIntervalMs: config.EMAIL_POLL_INTERVAL_MS,
      concurrency: config.EMAIL_CONCURRENCY,
      ratePerMinute: config.EMAIL_RATE_PER_MINUTE,
      claimMs: Math.max(60_000, config.EMAIL_TIMEOUT_MS * 4),
      log: ctx.log,
    });
    const suppressions = new SuppressionService(tenants.data, tenants.tenants, settings, ctx.log);

    const api: EmailApi = {
      async send(tenantId, message) {
        return messageView((await sender.record(await tenants.tenants.get(tenantId), message)).message);
      },
      async get(tenantId, id) {
        try {
          return messageView(await sender.get(await tenants.tenants.get(tenantId), id));
        } catch (err) {
          if (EmailErrors.EMAIL_MESSAGE_NOT_FOUND.is(err)) return undefined;
          throw err;
        }
      },
      billingContact: async (tenantId) => billingContact(await tenants.tenants.get(tenantId), settings, localization),
    };
    ctx.provide(emailApiRef, api);
    // Modules reach email only through this: the modules runtime checks the grant, then hands the call here.
    if (ctx.deps.modules) offerToModules(ctx.deps.modules, moduleEmailCapability({ sender, settings, dailyLimit: config.EMAIL_MODULE_DAILY_LIMIT }), ctx.log);
    const inbound = inboundParts({
      tenants,
      box,
      outbox: () => ctx.deps.outbox ?? ctx.services.getOptional(eventOutboxRef),
      scheduler: () => ctx.deps.scheduler ?? ctx.services.getOptional(clusterSchedulerRef),
      config,
      log: ctx.log.child({ component: 'inbound' }),
    });
    return { settings, templates, sender, suppressions, localization, worker, transports, due, inbound, subscription: undefined };
  },

  async routes(app, ctx, plugin) {
    await settingsRoutes(app, plugin.settings);
    await templateRoutes(app, plugin.templates, plugin.localization);
    await messageRoutes(app, plugin.sender, ctx.deps.tenants);
    await suppressionRoutes(app, plugin.suppressions);
    await plugin.inbound.routes(app);
  },

  async onReady(ctx, plugin) {
    const bus = ctx.deps.bus ?? ctx.services.getOptional(eventBusRef);
    if (bus) {
      plugin.subscription = await bus.subscribe(
        noticesConsumer({
          tenants: ctx.deps.tenants.tenants,
          settings: plugin.settings,
          sender: plugin.sender,
          localization: plugin.localization,
          invoices: () => ctx.deps.invoices ?? ctx.services.getOptional(invoiceDocumentsRef),
          log: ctx.log,
        }),
      );
    } else ctx.log.info('no event bus loaded: the platform sends no billing or webhook notices by email');
    plugin.worker.start();
    plugin.inbound.start();
  },

  async onClose(_ctx, plugin) {
    await plugin.inbound.close();
    await plugin.subscription?.close();
    await plugin.worker.close();
    plugin.transports.close();
  },

  async onTenantDeleted(tenant, _ctx, plugin) {
    await plugin.due.forget(tenant.id);
  },
});
