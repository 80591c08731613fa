import type { Tenant } from '@dogan/tenants';
import type { SettingsService } from '../settings/settings-service.js';
import type { Locale } from '../store/template-store.js';
import type { Localization } from '../templates/localization.js';

export interface BillingContact {
  readonly address: string;
  readonly locale: Locale;
}

/**
 * Where the platform's notices to a tenant go, and in which language: the notice address of its
 * email settings, in its language (the KSA setting, else its locale). Neither the tenant record nor
 * billing keeps an email address, so a tenant without a notice address has no billing contact.
 */
export async function billingContact(tenant: Tenant, settings: SettingsService, localization: Localization): Promise<BillingContact | null> {
  const address = (await settings.record(tenant))?.noticeAddress;
  return address ? { address, locale: await localization.language(tenant) } : null;
}
