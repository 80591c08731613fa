import type { EventConsumer, PlatformEvent } from '@dogan/runtime';
import type { TenantService } from '@dogan/tenants';
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
  readonly log: Logger;
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
