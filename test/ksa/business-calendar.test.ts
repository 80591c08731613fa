// Business days and hours for a Saudi tenant: Sunday–Thursday, 09:00–17:00 Asia/Riyadh, Saudi
// official holidays.
import t from 'tap';
import { BusinessCalendar } from '../../plugins/ksa/src/business-calendar.js';
import { toHijri } from '../../plugins/ksa/src/hijri-calendar.js';

const riyadh = new BusinessCalendar();

t.test('defaults', async (t) => {
  t.same(riyadh.workWeek, [7, 1, 2, 3, 4], 'Sunday to Thursday');
  t.same(riyadh.businessHours, { start: '09:00', end: '17:00' });
  t.equal(riyadh.timezone, 'Asia/Riyadh');
});

t.test('business days', async (t) => {
  t.equal(riyadh.isBusinessDay('2025-03-06'), true, 'Thursday');
  t.equal(riyadh.isBusinessDay('2025-03-07'), false, 'Friday');
  t.equal(riyadh.isBusinessDay('2025-03-08'), false, 'Saturday');
  t.equal(riyadh.isBusinessDay('2025-03-09'), true, 'Sunday');
  t.equal(riyadh.isBusinessDay('2025-03-31'), false, 'Monday in the Eid al-Fitr break');
  t.equal(riyadh.isHoliday('2025-09-23'), true, 'National Day');
});

t.test('across a weekend', async (t) => {
  t.equal(riyadh.nextBusinessDay('2025-03-06'), '2025-03-09', 'Thursday -> Sunday');
  t.equal(riyadh.addBusinessDays('2025-03-06', 1), '2025-03-09');
  t.equal(riyadh.addBusinessDays('2025-03-09', -1), '2025-03-06', 'Sunday - 1 -> Thursday');
  t.equal(riyadh.previousBusinessDay('2025-03-08'), '2025-03-06');
});

t.test('across Eid al-Fitr 1446 (30 March – 2 April 2025)', async (t) => {
  t.equal(riyadh.addBusinessDays('2025-03-27', 1), '2025-04-03', 'Thursday before Eid + 1');
  t.equal(riyadh.addBusinessDays('2025-03-27', 2), '2025-04-06');
  t.equal(riyadh.addBusinessDays('2025-04-03', -1), '2025-03-27');
  t.equal(riyadh.nextBusinessDay('2025-03-29'), '2025-04-03');
});

t.test('across a year boundary', async (t) => {
  t.equal(riyadh.addBusinessDays('2025-12-31', 1), '2026-01-01', 'Wednesday -> Thursday');
  t.equal(riyadh.addBusinessDays('2025-12-31', 2), '2026-01-04', 'then over the weekend');
  t.equal(riyadh.addBusinessDays('2026-01-04', -3), '2025-12-30');
});

t.test('across a Hijri month boundary', async (t) => {
  t.same(toHijri('2024-12-31'), { year: 1446, month: 6, day: 30 });
  t.equal(riyadh.addBusinessDays('2024-12-31', 1), '2025-01-01');
  t.same(toHijri('2025-01-01'), { year: 1446, month: 7, day: 1 }, '1 Rajab');
  t.equal(riyadh.addBusinessDays('2025-01-30', 1), '2025-02-02', '1 Shaban (Thursday) -> Sunday');
});

t.test('zero and negative counts', async (t) => {
  t.equal(riyadh.addBusinessDays('2025-03-09', 0), '2025-03-09', 'a business day stays');
  t.equal(riyadh.addBusinessDays('2025-03-07', 0), '2025-03-09', 'a Friday rolls forward');
  t.equal(riyadh.addBusinessDays('2025-03-30', 0), '2025-04-03', 'an Eid day rolls forward');
  t.equal(riyadh.addBusinessDays('2025-03-13', -5), '2025-03-06');
  t.throws(() => riyadh.addBusinessDays('2025-03-13', 1.5), { code: 'ARGUMENT_INVALID' });
});

t.test('business hours between two instants', async (t) => {
  t.same(riyadh.businessHoursBetween('2025-03-06T16:00:00+03:00', '2025-03-09T10:30:00+03:00'), {
    milliseconds: 150 * 60_000,
    minutes: 150,
  }, 'Thursday 16:00 -> Sunday 10:30: 60 + 90 minutes');
  t.equal(riyadh.businessHoursBetween('2025-03-09T08:00:00+03:00', '2025-03-09T18:00:00+03:00').minutes, 480, 'a whole day');
  t.equal(riyadh.businessHoursBetween('2025-03-09T06:00:00Z', '2025-03-09T07:00:00Z').minutes, 60, 'UTC instants');
  t.equal(riyadh.businessHoursBetween('2025-03-27T16:00:00+03:00', '2025-04-03T10:00:00+03:00').minutes, 120, 'across Eid');
  t.equal(riyadh.businessHoursBetween('2025-03-09T10:30:00+03:00', '2025-03-06T16:00:00+03:00').minutes, -150, 'reversed');
  t.equal(riyadh.businessHoursBetween(new Date('2025-03-07T08:00:00Z'), new Date('2025-03-07T12:00:00Z')).minutes, 0, 'Friday');
});

t.test('SLA deadlines', async (t) => {
  t.equal(riyadh.slaDeadline('2025-03-06T16:00:00+03:00', 4).toISOString(), '2025-03-09T09:00:00.000Z', 'Thursday 16:00 + 4h = Sunday 12:00');
  t.equal(riyadh.slaDeadline('2025-03-07T10:00:00+03:00', 2).toISOString(), '2025-03-09T08:00:00.000Z', 'from Friday: Sunday 11:00');
  t.equal(riyadh.slaDeadline('2025-03-09T10:00:00+03:00', 0.5).toISOString(), '2025-03-09T07:30:00.000Z', 'half an hour');
  t.equal(riyadh.slaDeadline('2025-03-09T10:00:00+03:00', 0).toISOString(), '2025-03-09T07:00:00.000Z', 'zero during hours');
  t.equal(riyadh.slaDeadline('2025-03-27T09:00:00+03:00', 16).toISOString(), '2025-04-03T14:00:00.000Z', 'across Eid: 8h on Thursday 27 March, 8h on Thursday 3 April');
  t.throws(() => riyadh.slaDeadline('2025-03-09T10:00:00+03:00', -1), { code: 'ARGUMENT_INVALID' });
});

t.test('bad configuration and input', async (t) => {
  t.throws(() => new BusinessCalendar({ workWeek: [] }), { code: 'WORK_WEEK_EMPTY', statusCode: 400 });
  t.throws(() => new BusinessCalendar({ workWeek: [0, 1] }), { code: 'WORK_WEEK_INVALID' });
  t.throws(() => new BusinessCalendar({ workWeek: [1, 1] }), { code: 'WORK_WEEK_INVALID' });
  t.throws(() => new BusinessCalendar({ timezone: 'Mars/Olympus_Mons' }), { code: 'TIMEZONE_UNKNOWN', message: /IANA/ });
  t.throws(() => new BusinessCalendar({ timezone: 'UTC+3' }), { code: 'TIMEZONE_UNKNOWN' });
  t.throws(() => new BusinessCalendar({ businessHours: { start: '17:00', end: '09:00' } }), { code: 'BUSINESS_HOURS_INVALID' });
  t.throws(() => new BusinessCalendar({ businessHours: { start: '9am', end: '17:00' } }), { code: 'BUSINESS_HOURS_INVALID', message: /HH:mm/ });
  t.equal(new BusinessCalendar({ timezone: 'asia/riyadh' }).timezone, 'Asia/Riyadh', 'canonical spelling');
  t.throws(() => riyadh.isBusinessDay('2025-02-30'), { code: 'GREGORIAN_DATE_INVALID' });
  t.throws(() => riyadh.businessHoursBetween('2025-03-09T09:00', '2025-03-09T10:00:00Z'), { code: 'INSTANT_INVALID', message: /offset/ });
  t.throws(() => riyadh.slaDeadline(new Date(Number.NaN), 1), { code: 'INSTANT_INVALID' });
});

t.test('a schedule with no reachable business day fails instead of looping', async (t) => {
  const mondaysOff = (year: number) => {
    const days = [];
    for (let d = new Date(Date.UTC(year, 0, 1)); d.getUTCFullYear() === year; d.setUTCDate(d.getUTCDate() + 1)) {
      if (d.getUTCDay() === 1) days.push({ date: d.toISOString().slice(0, 10), name: { ar: 'إجازة', en: 'Off' }, kind: 'tenant' as const });
    }
    return days;
  };
  const never = new BusinessCalendar({ workWeek: [1], holidays: mondaysOff });
  t.throws(() => never.nextBusinessDay('2025-03-09'), { code: 'BUSINESS_DAY_NOT_FOUND' });
  t.throws(() => never.slaDeadline('2025-03-09T10:00:00Z', 1), { code: 'BUSINESS_DAY_NOT_FOUND' });
});
