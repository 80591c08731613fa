import type { Tenant } from '@dogan/tenants';
import { DateTime } from 'luxon';

/** The part of the KSA plugin due dates need: a tenant's business calendar. */
export interface BusinessDays {
  forTenant(tenant: Tenant): Promise<{ businessCalendar: { addBusinessDays(date: string, n: number): string } }>;
}

/**
 * When a task given "N business days" is due: the end of the Nth business day after today, by the
 * tenant's work week (Sunday to Thursday in Saudi Arabia), holidays and time zone. Without the KSA
 * plugin, N calendar days.
 */
export async function businessDueAt(tenant: Tenant, days: number, calendar: BusinessDays | undefined, now = Date.now()): Promise<number> {
  const today = DateTime.fromMillis(now, { zone: tenant.timezone });
  if (!calendar) return today.plus({ days }).endOf('day').toMillis();
  const local = await calendar.forTenant(tenant);
  const date = local.businessCalendar.addBusinessDays(today.toISODate()!, days);
  return DateTime.fromISO(date, { zone: tenant.timezone }).endOf('day').toMillis();
}
