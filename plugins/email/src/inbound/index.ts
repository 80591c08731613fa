import type { ControlPlaneMigration, SecretBox, TenantMigration } from '@dogan/runtime';
import type { ClusterScheduler, EventOutbox, ScheduledJob, TenantsApi } from '@dogan/tenants';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { inboundConfigSchema, type InboundConfig } from './config.js';
import { imapRoutes } from './http/imap-routes.js';
import { inboundRoutes } from './http/inbound-routes.js';
import { intakeRoute } from './http/intake-route.js';
import { ImapPoller } from './imap/imap-poller.js';
import { MailboxService } from './imap/mailbox-service.js';
import { InboundIntake } from './intake/inbound-intake.js';
import { InboundService } from './intake/inbound-service.js';
import { MailRecorder } from './intake/mail-recorder.js';
import { ImapDueIndex } from './store/imap-due-index.js';
import { inboundControlPlaneMigrations, inboundTenantMigrations } from './store/migrations.js';

export { inboundConfigSchema, type InboundConfig } from './config.js';
export { inboundControlPlaneMigrations, inboundTenantMigrations } from './store/migrations.js';
export { InboundErrors } from './errors.js';
export { EMAIL_RECEIVED, type EmailReceivedPayload, type ReceivedAttachmentView } from './mail/received-payload.js';
export type { MailAddress, MailProvider } from './mail/received-mail.js';
export type { PollResult } from './imap/imap-poller.js';

/** What inbound mail needs from the email plugin. */
export interface InboundDeps {
  readonly tenants: TenantsApi;
  /** Encrypts IMAP passwords at rest: `createSecretBox(config)`. */
  readonly box: SecretBox;
  /** The events plugin's outbox, when loaded (without it, inbound mail is refused with 503). */
  readonly outbox: () => EventOutbox | undefined;
  /** The cluster scheduler, when loaded (without it, IMAP mailboxes are read only on demand). */
  readonly scheduler: () => ClusterScheduler | undefined;
  readonly config: InboundConfig;
  readonly log: Logger;
}

/** Inbound mail as parts the email plugin wires in: its migrations, config, routes, and the IMAP poll job. */
export interface InboundParts {
  readonly tenantMigrations: TenantMigration[];
  readonly controlPlaneMigrations: ControlPlaneMigration[];
  readonly configSchema: typeof inboundConfigSchema;
  /** The intake (public, secret-checked) and the tenant routes. */
  routes(app: FastifyInstance): Promise<void>;
  /** Schedules the once-per-cluster IMAP poll (call in `onReady`). */
  start(): void;
  /** Stops the poll job and waits for polls running on this node (call in `onClose`). */
  close(): Promise<void>;
}

/** The job's name and metrics kind. */
export const IMAP_POLL_JOB = 'email_imap_poll';

/**
 * Mail into events: providers post mail to `/api/webhooks/email/{tenant}/inbound` with the tenant's
 * inbound secret, and the cluster reads tenants' IMAP mailboxes; each mail is stored in the tenant's
 * database and published once per Message-ID as `email.received`.
 */
export function inboundParts(deps: InboundDeps): InboundParts {
  const { config, log } = deps;
  const connect = { timeoutMs: config.EMAIL_IMAP_TIMEOUT_MS, allowPrivate: config.EMAIL_IMAP_ALLOW_PRIVATE_NETWORKS };
  const index = new ImapDueIndex(deps.tenants.data.controlPlane);
  const recorder = new MailRecorder(deps.outbox, config.EMAIL_INBOUND_INLINE_ATTACHMENT_BYTES);
  const mailboxes = new MailboxService({ tenants: deps.tenants, box: deps.box, index, connect });
  const limits = {
    maxBytes: config.EMAIL_INBOUND_MAX_BYTES,
    // An attachment is never larger than its mail: lowering the mail's limit lowers this one with it.
    maxAttachmentBytes: Math.min(config.EMAIL_INBOUND_MAX_ATTACHMENT_BYTES, config.EMAIL_INBOUND_MAX_BYTES),
    inlineAttachmentBytes: config.EMAIL_INBOUND_INLINE_ATTACHMENT_BYTES,
  };
  const inbound = new InboundService({ tenants: deps.tenants, mailboxes, limits, publicBaseUrl: config.EMAIL_INBOUND_BASE_URL });
  const intake = new InboundIntake({ tenants: deps.tenants, recorder, maxAttachmentBytes: limits.maxAttachmentBytes, log });
  const poller = new ImapPoller({
    tenants: deps.tenants,
    mailboxes,
    recorder,
    index,
    connect,
    intervalMs: config.EMAIL_IMAP_POLL_INTERVAL_MS,
    batchSize: config.EMAIL_IMAP_BATCH_SIZE,
    maxBytes: limits.maxBytes,
    maxAttachmentBytes: limits.maxAttachmentBytes,
    log,
  });
  let job: ScheduledJob | undefined;
  return {
    tenantMigrations: inboundTenantMigrations,
    controlPlaneMigrations: inboundControlPlaneMigrations,
    configSchema: inboundConfigSchema,
    async routes(app) {
      await intakeRoute(app, intake, limits.maxBytes);
      await inboundRoutes(app, inbound);
      await imapRoutes(app, mailboxes, poller);
    },
    start() {
      const scheduler = deps.scheduler();
      if (!scheduler || job) return;
      job = scheduler.scheduleOncePerCluster(IMAP_POLL_JOB, { intervalMs: config.EMAIL_IMAP_POLL_INTERVAL_MS, run: (run) => poller.runDue(run.dueAt.getTime(), run.signal) });
    },
    async close() {
      await job?.stop();
      job = undefined;
      await poller.close();
    },
  };
}
