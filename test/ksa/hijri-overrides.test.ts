// An administrator's month-start override moves conversions of every day it touches, the lengths
// of that month and the one before, and the Eid holidays computed from them.
import t from 'tap';
import { HijriCalendar, defaultHijriCalendar } from '../../plugins/ksa/src/hijri-calendar.js';
import { holidaysForYear } from '../../plugins/ksa/src/holidays.js';

t.test('Shawwal 1446 starting a day late (Ramadan completed as 30 days)', async (t) => {
  const calendar = new HijriCalendar([{ year: 1446, month: 10, firstDay: '2025-03-31' }]);
  t.same(calendar.toHijri('2025-03-30'), { year: 1446, month: 9, day: 30 });
  t.same(calendar.toHijri('2025-03-31'), { year: 1446, month: 10, day: 1 });
  t.same(calendar.toHijri('2025-04-28'), { year: 1446, month: 10, day: 29 });
  t.same(calendar.toHijri('2025-04-29'), { year: 1446, month: 11, day: 1 }, 'the next month is unchanged');
  t.same(calendar.toHijri('2025-03-29'), { year: 1446, month: 9, day: 29 }, 'the days before are unchanged');
  t.equal(calendar.toGregorian({ year: 1446, month: 9, day: 30 }), '2025-03-30');
  t.equal(calendar.toGregorian({ year: 1446, month: 10, day: 1 }), '2025-03-31');
  t.equal(calendar.monthLength(1446, 9), 30);
  t.equal(calendar.monthLength(1446, 10), 29);
  t.throws(() => calendar.toGregorian({ year: 1446, month: 10, day: 30 }), { code: 'HIJRI_DATE_INVALID' });
  t.same(defaultHijriCalendar.toHijri('2025-03-30'), { year: 1446, month: 10, day: 1 }, 'the default calendar is untouched');
});

t.test('the override renames the Eid al-Fitr days (the break itself starts after 29 Ramadan either way)', async (t) => {
  const calendar = new HijriCalendar([{ year: 1446, month: 10, firstDay: '2025-03-31' }]);
  const fitr = holidaysForYear(2025, { calendar }).filter((h) => h.name.en.startsWith('Eid al-Fitr'));
  t.same(
    fitr.map((h) => `${h.date} ${h.name.en}`),
    ['2025-03-30 Eid al-Fitr holiday', '2025-03-31 Eid al-Fitr', '2025-04-01 Eid al-Fitr holiday', '2025-04-02 Eid al-Fitr holiday'],
  );
});

t.test('Dhu al-Hijjah 1446 starting a day late moves Eid al-Adha', async (t) => {
  // Dhu al-Hijjah 1446 has 29 days, so the new year is moved with it to keep it 29 days long.
  const calendar = new HijriCalendar([
    { year: 1446, month: 12, firstDay: '2025-05-29' },
    { year: 1447, month: 1, firstDay: '2025-06-27' },
  ]);
  t.same(calendar.toHijri('2025-05-28'), { year: 1446, month: 11, day: 30 });
  t.same(calendar.toHijri('2025-06-06'), { year: 1446, month: 12, day: 9 });
  const adha = (cal: HijriCalendar) =>
    holidaysForYear(2025, { calendar: cal })
      .filter((h) => h.date > '2025-05-01' && h.date < '2025-07-01')
      .map((h) => `${h.date} ${h.name.en}`);
  t.same(adha(defaultHijriCalendar), [
    '2025-06-05 Day of Arafah',
    '2025-06-06 Eid al-Adha',
    '2025-06-07 Eid al-Adha holiday',
    '2025-06-08 Eid al-Adha holiday',
  ]);
  t.same(adha(calendar), [
    '2025-06-06 Day of Arafah',
    '2025-06-07 Eid al-Adha',
    '2025-06-08 Eid al-Adha holiday',
    '2025-06-09 Eid al-Adha holiday',
  ]);
});

t.test('Ramadan and Shawwal moved together are judged together', async (t) => {
  // Moving Ramadan alone would leave it 28 days; with Shawwal moved too, every month stays 29–30.
  t.throws(() => new HijriCalendar([{ year: 1446, month: 9, firstDay: '2025-03-02' }]), {
    code: 'HIJRI_OVERRIDE_INVALID',
    message: /Ramadan 1446 would be 28 days long/,
  });
  const calendar = new HijriCalendar([
    { year: 1446, month: 9, firstDay: '2025-03-02' },
    { year: 1446, month: 10, firstDay: '2025-03-31' },
  ]);
  t.equal(calendar.monthLength(1446, 8), 30);
  t.equal(calendar.monthLength(1446, 9), 29);
  const fitr = holidaysForYear(2025, { calendar }).filter((h) => h.name.en.startsWith('Eid al-Fitr'));
  t.same(fitr.map((h) => h.date), ['2025-03-31', '2025-04-01', '2025-04-02', '2025-04-03']);
});

t.test('an override may restore a corrected month to the package value', async (t) => {
  const calendar = new HijriCalendar([{ year: 1446, month: 6, firstDay: '2024-12-03' }]);
  t.same(calendar.toHijri('2024-12-02'), { year: 1446, month: 5, day: 30 });
  t.equal(calendar.overrides.length, 1);
});

t.test('overrides that cannot be', async (t) => {
  t.throws(() => new HijriCalendar([{ year: 1446, month: 10, firstDay: '2025-04-01' }]), {
    code: 'HIJRI_OVERRIDE_INVALID',
    message: /Ramadan 1446 would be 31 days long; a Hijri month has 29 or 30 days/,
  });
  t.throws(() => new HijriCalendar([{ year: 1446, month: 10, firstDay: '2025-03-29' }]), {
    code: 'HIJRI_OVERRIDE_INVALID',
    message: /28 days/,
  });
  t.throws(() => new HijriCalendar([{ year: 1446, month: 13, firstDay: '2025-03-30' }]), { code: 'HIJRI_OVERRIDE_INVALID' });
  t.throws(() => new HijriCalendar([{ year: 1600, month: 1, firstDay: '2025-03-30' }]), { code: 'DATE_OUT_OF_RANGE' });
  t.throws(() => new HijriCalendar([{ year: 1446, month: 10, firstDay: '30/03/2025' }]), { code: 'GREGORIAN_DATE_INVALID' });
  t.throws(
    () =>
      new HijriCalendar([
        { year: 1446, month: 10, firstDay: '2025-03-31' },
        { year: 1446, month: 10, firstDay: '2025-03-30' },
      ]),
    { code: 'HIJRI_OVERRIDE_INVALID', message: /conflicts/ },
  );
});
