// A tenant in Europe/London with a Monday–Friday week and its own holidays gets its own answers,
// including across the change to British Summer Time (30 March 2025).
import t from 'tap';
import { createKsaService } from '../../plugins/ksa/src/ksa-service.js';

const service = createKsaService();
const london = service.forTenant({
  language: 'en',
  timezone: 'Europe/London',
  currency: 'GBP',
  calendarDisplay: 'gregorian',
  workWeek: [1, 2, 3, 4, 5],
  officialHolidays: 'none',
  holidays: [
    { date: '2025-12-25', name: 'Christmas Day' },
    { date: '2025-12-26', name: 'Boxing Day' },
    { date: '2026-01-01', name: "New Year's Day" },
  ],
});
const riyadh = service.forTenant({}).businessCalendar;
const calendar = london.businessCalendar;

t.test('its week and holidays, not Saudi ones', async (t) => {
  t.equal(calendar.isBusinessDay('2025-03-07'), true, 'Friday works in London');
  t.equal(riyadh.isBusinessDay('2025-03-07'), false, '...not in Riyadh');
  t.equal(calendar.isBusinessDay('2025-03-09'), false, 'Sunday is off in London');
  t.equal(calendar.isBusinessDay('2025-03-31'), true, 'Eid al-Fitr is a working day in London');
  t.equal(calendar.isBusinessDay('2025-09-23'), true, 'so is Saudi National Day');
  t.equal(calendar.nextBusinessDay('2025-12-24'), '2025-12-29');
  t.equal(calendar.addBusinessDays('2025-12-31', 1), '2026-01-02');
  t.equal(riyadh.addBusinessDays('2025-12-31', 1), '2026-01-01');
  t.same(london.holidaysForYear(2025).map((h) => h.name.en), ['Christmas Day', 'Boxing Day']);
});

t.test('business hours read in London time, through the clock change', async (t) => {
  t.equal(new Date(calendar.openingHours('2025-03-28')!.opens).toISOString(), '2025-03-28T09:00:00.000Z', '09:00 GMT');
  t.equal(new Date(calendar.openingHours('2025-03-31')!.opens).toISOString(), '2025-03-31T08:00:00.000Z', '09:00 BST');
  const between = calendar.businessHoursBetween('2025-03-28T16:00:00Z', '2025-03-31T09:00:00Z');
  t.equal(between.minutes, 120, 'Friday 16:00–17:00 GMT, then Monday 09:00–10:00 BST (09:00Z is 10:00 local)');
});

t.test('SLA deadlines in London', async (t) => {
  t.equal(calendar.slaDeadline('2025-03-28T16:00:00Z', 2).toISOString(), '2025-03-31T09:00:00.000Z', 'Friday 16:00 GMT + 2h = Monday 10:00 BST');
  t.equal(riyadh.slaDeadline('2025-03-28T16:00:00Z', 2).toISOString(), '2025-04-03T08:00:00.000Z', 'the same request in Riyadh waits for Eid to end');
});

t.test('the same instants, different answers', async (t) => {
  const start = '2025-03-06T06:00:00Z'; // Thursday: 09:00 in Riyadh, 06:00 in London
  const end = '2025-03-07T18:00:00Z'; // Friday evening
  t.equal(riyadh.businessHoursBetween(start, end).minutes, 480, 'Riyadh: Thursday 09:00–17:00');
  t.equal(calendar.businessHoursBetween(start, end).minutes, 960, 'London: Thursday and Friday 09:00–17:00');
});
