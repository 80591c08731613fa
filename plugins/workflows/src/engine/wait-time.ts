import type { Tenant } from '@dogan/tenants';
import { DateTime, Duration } from 'luxon';
import type { WaitStep } from '../definition/types.js';

/** The part of the KSA plugin a business-day wait needs: the tenant's calendar (work week, holidays). */
export interface BusinessCalendar {
  forTenant(tenant: Tenant): Promise<{ businessCalendar: { addBusinessDays(date: string, n: number): string } }>;
}

/**
 * When a wait step ends, fixed when the step first runs (so a resumed run waits for the same instant):
 * now plus an ISO 8601 duration; a date (ISO 8601, from a literal or a reference); or the same time of
 * day N business days later by the tenant's calendar (Sunday to Thursday in Saudi Arabia, its holidays;
 * without the KSA plugin, N calendar days).
 */
export async function waitUntil(step: WaitStep, until: unknown, tenant: Tenant, calendar: BusinessCalendar | undefined, now: number): Promise<number> {
  if (step.duration !== undefined) {
    const duration = Duration.fromISO(step.duration);
    if (!duration.isValid) throw new Error(`"${step.duration}" is not an ISO 8601 duration`);
    return now + duration.toMillis();
  }
  if (step.until !== undefined) {
    const at = typeof until === 'number' ? until : typeof until === 'string' ? Date.parse(until) : NaN;
    if (!Number.isFinite(at)) throw new Error(`until resolved to ${JSON.stringify(until)?.slice(0, 100)}, which is not a date`);
    return at;
  }
  const days = step.businessDays ?? 1;
  const zone = tenant.timezone || 'Asia/Riyadh';
  const today = DateTime.fromMillis(now, { zone });
  if (!calendar) return today.plus({ days }).toMillis();
  const date = (await calendar.forTenant(tenant)).businessCalendar.addBusinessDays(today.toISODate()!, days);
  const target = DateTime.fromISO(date, { zone }).set({ hour: today.hour, minute: today.minute, second: today.second, millisecond: today.millisecond });
  return target.toMillis();
}
