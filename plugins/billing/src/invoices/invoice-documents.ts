import type { KsaPlatform } from '@dogan/plugin-ksa';
import type { InvoiceDocuments, Tenant } from '@dogan/tenants';
import type { BillingService } from '../billing-service.js';
import { invoiceHtml } from './invoice-html.js';

/** One tenant's invoice as its bilingual page, in the tenant's time zone: for the API and for email notices. */
export function invoiceDocuments(billing: BillingService, ksa: KsaPlatform): InvoiceDocuments {
  return {
    async html(tenant: Tenant, invoiceRef: string): Promise<string> {
      const data = await billing.invoices.find(tenant.id, invoiceRef);
      const formatter = (language: 'ar' | 'en') => ksa.service.forTenant({ language, timezone: tenant.timezone, currency: data.invoice.currency }).formatter;
      return invoiceHtml(data, { ar: formatter('ar'), en: formatter('en') }, tenant.timezone);
    },
  };
}
