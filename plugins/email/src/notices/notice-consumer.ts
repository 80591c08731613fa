import type { EventConsumer, PlatformEvent } from '@dogan/runtime';
import type { InvoiceDocuments, Tenant, TenantService } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { SendService } from '../send/send-service.js';
import type { SettingsService } from '../settings/settings-service.js';
import type { Localization } from '../templates/localization.js';
import { billingContact } from './billing-contact.js';
import { noticeOf } from './notice-content.js';

/** The durable consumer's name: one per cluster, each event handled by one node. */
export const NOTICES_CONSUMER = 'email.notices';

/** The events that become notices to the tenant's billing contact. */
export const NOTICE_EVENT_TYPES = ['billing.trial_ending', 'billing.subscription_changed', 'billing.payment_failed', 'billing.payment_succeeded', 'billing.invoice_issued', 'webhook.disabled'] as const;

export interface NoticeDeps {
  readonly tenants: TenantService;
  readonly settings: SettingsService;
  readonly sender: SendService;
  readonly localization: Localization;
  /** The billing plugin's invoice pages, when it is loaded: the invoice-issued notice carries the invoice. */
  readonly invoices: () => InvoiceDocuments | undefined;
  readonly log: Logger;
}

/** The invoice page's body (its styles kept), to sit inside the notice's own layout; undefined when there is none to show. */
async function invoiceBody(deps: NoticeDeps, tenant: Tenant, event: PlatformEvent): Promise<string | undefined> {
  const invoice = (event.payload as { invoice?: { id?: string; number?: string } } | null)?.invoice;
  const ref = invoice?.id ?? invoice?.number;
  const documents = deps.invoices();
  if (!ref || !documents) return undefined;
  try {
    const page = await documents.html(tenant, ref);
    const styles = [...page.matchAll(/<style[^>]*>[\s\S]*?<\/style>/gi)].map((m) => m[0]).join('');
    const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(page)?.[1] ?? page;
    return `${styles}${body}`;
  } catch (err) {
    // The notice still goes out, with its summary; the page stays one click away in the API.
    deps.log.warn({ err, tenantId: tenant.id, invoice: ref }, 'invoice page could not be rendered for the notice');
    return undefined;
  }
}

/**
 * Turns billing's and the webhooks plugin's events into the matching built-in template, sent to the
 * tenant's billing contact (the notice address of its email settings) in its language. Idempotent by
 * event id: the message's idempotency key is `notice:<event id>`, so a redelivered event finds the
 * message it made. A tenant without a notice address or a mail server is told nothing (logged).
 */
export function noticesConsumer(deps: NoticeDeps): EventConsumer {
  return {
    name: NOTICES_CONSUMER,
    delivery: 'shared',
    types: [...NOTICE_EVENT_TYPES],
    async handle(event: PlatformEvent) {
      if (!event.tenantId) return;
      const tenant = await deps.tenants.find(event.tenantId);
      if (!tenant || tenant.status === 'provisioning') return;
      const contact = await billingContact(tenant, deps.settings, deps.localization);
      const notice = noticeOf(event, tenant, await deps.localization.forTenant(tenant, contact?.locale ?? (await deps.localization.language(tenant))));
      if (!notice) return;
      if (event.type === 'billing.invoice_issued') {
        const page = await invoiceBody(deps, tenant, event);
        if (page) notice.data.invoiceHtml = page;
      }
      if (!contact || !deps.settings.configured(await deps.settings.record(tenant))) {
        deps.log.info({ tenantId: tenant.id, notice: notice.template, event: event.id }, 'notice not emailed: the tenant has no notice address or no mail server');
        return;
      }
      await deps.sender.record(tenant, {
        to: contact.address,
        template: notice.template,
        data: notice.data,
        locale: contact.locale,
        idempotencyKey: `notice:${event.id}`,
        source: `notice:${notice.template}`,
      });
    },
  };
}
