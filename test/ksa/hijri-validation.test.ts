// Impossible or malformed dates fail with coded errors whose messages say what would be accepted.
import t from 'tap';
import { DoganError } from '@dogan/runtime';
import { defaultHijriCalendar as calendar, toGregorian, toHijri } from '../../plugins/ksa/src/hijri-calendar.js';

t.test('Hijri month 13', async (t) => {
  t.throws(() => toGregorian({ year: 1445, month: 13, day: 1 }), {
    code: 'HIJRI_DATE_INVALID',
    statusCode: 400,
    message: /1445-13-01.*1 \(Muharram\) to 12 \(Dhu al-Hijjah\)/,
  });
});

t.test('day 30 of a 29-day month', async (t) => {
  t.equal(calendar.monthLength(1446, 9), 29, 'Ramadan 1446 has 29 days');
  t.throws(() => toGregorian({ year: 1446, month: 9, day: 30 }), {
    code: 'HIJRI_DATE_INVALID',
    message: /Ramadan 1446 has 29 days, so the day must be 1 to 29/,
  });
  t.equal(toGregorian({ year: 1446, month: 10, day: 30 }), '2025-04-28', 'day 30 of a 30-day month is fine');
});

t.test('other impossible Hijri dates', async (t) => {
  t.throws(() => toGregorian({ year: 1446, month: 1, day: 0 }), { code: 'HIJRI_DATE_INVALID' });
  t.throws(() => toGregorian({ year: 1446, month: 0, day: 1 }), { code: 'HIJRI_DATE_INVALID' });
  t.throws(() => toGregorian({ year: 1446.5, month: 1, day: 1 }), { code: 'HIJRI_DATE_INVALID' });
  t.throws(() => calendar.validateHijriDate(null), { code: 'HIJRI_DATE_INVALID' });
  t.throws(() => calendar.parseHijriDate('1446/09/01'), { code: 'HIJRI_DATE_INVALID', message: /YYYY-MM-DD/ });
  t.same(calendar.parseHijriDate('1446-09-01'), { year: 1446, month: 9, day: 1 });
  t.equal(calendar.isValidHijriDate({ year: 1446, month: 9, day: 29 }), true);
  t.equal(calendar.isValidHijriDate({ year: 1446, month: 9, day: 30 }), false);
});

t.test('malformed Gregorian dates', async (t) => {
  for (const bad of ['2025-02-29', '2025-2-1', '2025-13-01', '01/03/2025', 'tomorrow', '', '2025-03-01T00:00:00Z']) {
    t.throws(() => toHijri(bad), { code: 'GREGORIAN_DATE_INVALID', message: /YYYY-MM-DD/ }, JSON.stringify(bad));
  }
  t.throws(() => toHijri(undefined as unknown as string), { code: 'GREGORIAN_DATE_INVALID' });
  t.same(toHijri('2024-02-29'), { year: 1445, month: 8, day: 19 }, 'a real leap day');
});

t.test('dates outside the range name the range', async (t) => {
  t.throws(() => toHijri('1900-01-01'), {
    code: 'DATE_OUT_OF_RANGE',
    message: /Hijri 1365-01-01 to 1500-12-30 \(Gregorian 1945-12-05 to 2077-11-16\)/,
  });
  t.throws(() => toGregorian({ year: 1501, month: 1, day: 1 }), { code: 'DATE_OUT_OF_RANGE' });
});

t.test('the errors are DoganErrors', async (t) => {
  try {
    toHijri('nope');
    t.fail('should throw');
  } catch (err) {
    t.ok(err instanceof DoganError);
  }
});
