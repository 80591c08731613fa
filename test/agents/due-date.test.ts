import t from 'tap';
import { createKsaService } from '@dogan/plugin-ksa';
import type { Tenant } from '@dogan/tenants';
import { businessDueAt } from '../../plugins/agents/src/tasks/due-date.js';

// The KSA plugin's real business calendar with the default Saudi settings: Sunday to Thursday, official holidays.
const ksa = createKsaService();
const calendar = { forTenant: async () => ksa.forTenant({}) };
const riyadh = { timezone: 'Asia/Riyadh' } as Tenant;
const at = (iso: string) => Date.parse(iso);

t.test('a task due in N business days ends on the Nth working day of the Saudi week', async (t) => {
  // Thursday 3 December 2026, 10:00 in Riyadh: one business day later is Sunday (Friday and Saturday are the weekend).
  const due = await businessDueAt(riyadh, 1, calendar, at('2026-12-03T07:00:00Z'));
  t.equal(new Date(due).toISOString(), '2026-12-06T20:59:59.999Z', 'the end of Sunday 6 December, Riyadh time');
  const sameDay = await businessDueAt(riyadh, 0, calendar, at('2026-12-03T07:00:00Z'));
  t.equal(new Date(sameDay).toISOString(), '2026-12-03T20:59:59.999Z', 'zero days: the end of today, a business day');
  const week = await businessDueAt(riyadh, 5, calendar, at('2026-12-06T07:00:00Z'));
  t.equal(new Date(week).toISOString(), '2026-12-13T20:59:59.999Z', 'five business days from a Sunday: the next Sunday');
  const noKsa = await businessDueAt(riyadh, 1, undefined, at('2026-12-03T07:00:00Z'));
  t.equal(new Date(noKsa).toISOString(), '2026-12-04T20:59:59.999Z', 'without the KSA plugin: calendar days');
});
