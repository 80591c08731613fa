import type { PlatformEvent } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { BuiltinTemplateName } from '../templates/builtin.js';
import type { MessageLocale } from '../templates/localization.js';

/**
 * The parts of billing's and the webhooks plugin's event payloads (version 1) that notices show.
 * Read defensively: a field missing from a payload leaves its line out rather than failing the event.
 */
interface TrialEnding {
  readonly planId?: string;
  readonly trialEndsAt?: string;
  readonly paymentMethodOnFile?: boolean;
}
interface SubscriptionChanged {
  readonly reason?: string;
  readonly subscription?: { readonly planId?: string };
}
interface PaymentFailed {
  readonly payment?: { readonly invoiceNumber?: string | null; readonly amount?: number; readonly currency?: string; readonly attempt?: number; readonly failureMessage?: string | null };
  readonly nextAttemptAt?: string | null;
  readonly dunningExhausted?: boolean;
}
interface PaymentSucceeded {
  readonly payment?: { readonly invoiceNumber?: string | null; readonly amount?: number; readonly currency?: string };
}
interface InvoiceIssued {
  readonly invoice?: {
    readonly number?: string;
    readonly kind?: string;
    readonly currency?: string;
    readonly subtotal?: number;
    readonly vat?: number;
    readonly total?: number;
    readonly periodStart?: string;
    readonly periodEnd?: string;
    readonly dueAt?: string | null;
  };
}
interface WebhookDisabled {
  readonly webhookId?: string;
  readonly url?: string;
  readonly reason?: string;
}

export interface Notice {
  readonly template: BuiltinTemplateName;
  readonly data: Record<string, unknown>;
}

const DAY_MS = 86_400_000;
const DAYS = {
  ar: { zero: 'اليوم', one: 'غدًا', two: 'خلال يومين', few: 'خلال {count} أيام', many: 'خلال {count} يومًا', other: 'خلال {count} يوم' },
  en: { zero: 'today', one: 'tomorrow', other: 'in {count} days' },
} as const;

/** Which notice an event is (none for changes nobody is told about by mail), and its template's data. */
export function noticeOf(event: PlatformEvent, tenant: Tenant, locale: MessageLocale): Notice | undefined {
  const tenantName = tenant.name;
  switch (event.type) {
    case 'billing.trial_ending': {
      const p = event.payload as TrialEnding;
      const ends = p.trialEndsAt ? Date.parse(p.trialEndsAt) : NaN;
      const days = Number.isNaN(ends) ? null : Math.max(0, Math.ceil((ends - Date.parse(event.occurredAt)) / DAY_MS));
      const forms = DAYS[locale.locale];
      const daysLeftText = days === null ? '' : days === 0 ? forms.zero : days === 1 ? forms.one : locale.plural(days, forms);
      return { template: 'trial_ending', data: { tenantName, planId: p.planId ?? '', trialEndsAt: p.trialEndsAt ?? '', daysLeft: days, daysLeftText, paymentMethodOnFile: p.paymentMethodOnFile === true } };
    }
    case 'billing.subscription_changed': {
      const p = event.payload as SubscriptionChanged;
      return p.reason === 'trial_expired' ? { template: 'trial_ended', data: { tenantName, planId: p.subscription?.planId ?? '' } } : undefined;
    }
    case 'billing.payment_failed': {
      const p = event.payload as PaymentFailed;
      const pay = p.payment ?? {};
      const data = {
        tenantName,
        invoiceNumber: pay.invoiceNumber ?? '',
        amount: pay.amount ?? 0,
        currency: pay.currency,
        attempt: pay.attempt ?? 1,
        failureMessage: pay.failureMessage ?? '',
        nextAttemptAt: p.nextAttemptAt ?? null,
      };
      // The dunning steps: the first failure, each failed retry, and the last one that suspends the tenant.
      if (p.dunningExhausted) return { template: 'account_suspended', data };
      return { template: (pay.attempt ?? 1) > 1 ? 'dunning_retry_failed' : 'payment_failed', data };
    }
    case 'billing.payment_succeeded': {
      const pay = (event.payload as PaymentSucceeded).payment ?? {};
      return { template: 'payment_received', data: { tenantName, invoiceNumber: pay.invoiceNumber ?? '', amount: pay.amount ?? 0, currency: pay.currency } };
    }
    case 'billing.invoice_issued': {
      const inv = (event.payload as InvoiceIssued).invoice ?? {};
      return {
        template: 'invoice_issued',
        data: {
          tenantName,
          invoiceNumber: inv.number ?? '',
          isCreditNote: inv.kind === 'credit_note',
          currency: inv.currency,
          subtotal: inv.subtotal ?? 0,
          vat: inv.vat ?? 0,
          total: inv.total ?? 0,
          periodStart: inv.periodStart ?? '',
          periodEnd: inv.periodEnd ?? '',
          dueAt: inv.dueAt ?? null,
        },
      };
    }
    case 'webhook.disabled': {
      const p = event.payload as WebhookDisabled;
      return { template: 'webhook_disabled', data: { tenantName, webhookId: p.webhookId ?? '', url: p.url ?? '', reason: p.reason ?? '' } };
    }
    default:
      return undefined;
  }
}
