// Saudi private-sector holidays: the fixed national days, the four-day Eid breaks computed from the
// Umm al-Qura calendar, per-year overrides, tenant days, and Hijri years spanning two Gregorian years.
import t from 'tap';
import { holidaysForYear, fixedHolidaySource, saudiHolidaySource } from '../../plugins/ksa/src/holidays.js';

const listing = (year: number, options = {}) => holidaysForYear(year, options).map((h) => `${h.date} ${h.kind} ${h.name.en}`);

t.test('2025, as the Ministry of Human Resources announced it', async (t) => {
  t.same(listing(2025), [
    '2025-02-22 national Founding Day',
    '2025-03-30 religious Eid al-Fitr',
    '2025-03-31 religious Eid al-Fitr holiday',
    '2025-04-01 religious Eid al-Fitr holiday',
    '2025-04-02 religious Eid al-Fitr holiday',
    '2025-06-05 religious Day of Arafah',
    '2025-06-06 religious Eid al-Adha',
    '2025-06-07 religious Eid al-Adha holiday',
    '2025-06-08 religious Eid al-Adha holiday',
    '2025-09-23 national National Day',
  ]);
});

t.test('2024: Ramadan had 30 days, so 30 Ramadan is the first day off', async (t) => {
  const days = holidaysForYear(2024);
  t.same(
    days.filter((h) => h.name.en.startsWith('Eid al-Fitr')).map((h) => h.date),
    ['2024-04-09', '2024-04-10', '2024-04-11', '2024-04-12'],
  );
  t.same(
    days.filter((h) => h.date.startsWith('2024-06')).map((h) => h.date),
    ['2024-06-15', '2024-06-16', '2024-06-17', '2024-06-18'],
  );
  t.same(days.find((h) => h.date === '2024-04-10')?.name, { ar: 'عيد الفطر', en: 'Eid al-Fitr' });
});

t.test('a Gregorian year holding two Eid al-Fitr (2000) and no national days yet', async (t) => {
  const feasts = holidaysForYear(2000).filter((h) => h.name.en === 'Eid al-Fitr');
  t.same(feasts.map((h) => h.date), ['2000-01-08', '2000-12-27']);
  t.notOk(holidaysForYear(2000).some((h) => h.kind === 'national'), 'National Day is a holiday from 2005, Founding Day from 2022');
});

t.test('an Eid break crossing 31 December is split between the two years', async (t) => {
  const adha2006 = holidaysForYear(2006).filter((h) => h.date >= '2006-12-01');
  t.same(adha2006.map((h) => `${h.date} ${h.name.en}`), ['2006-12-30 Day of Arafah', '2006-12-31 Eid al-Adha']);
  const adha2007 = holidaysForYear(2007).filter((h) => h.date < '2007-01-10');
  t.same(adha2007.map((h) => `${h.date} ${h.name.en}`), ['2007-01-01 Eid al-Adha holiday', '2007-01-02 Eid al-Adha holiday']);
});

t.test('a HolidayOverride replaces the computed Eid days of its year only', async (t) => {
  const governmentBreak = {
    year: 2025,
    holidays: [
      { date: '2025-03-27', name: { ar: 'إجازة عيد الفطر', en: 'Eid al-Fitr holiday' } },
      { date: '2025-04-08', name: { ar: 'إجازة عيد الفطر', en: 'Eid al-Fitr holiday' } },
      { date: '2025-09-24', name: { ar: 'اليوم الوطني', en: 'National Day (extra day)' }, kind: 'national' as const },
    ],
  };
  t.same(listing(2025, { overrides: [governmentBreak] }), [
    '2025-02-22 national Founding Day',
    '2025-03-27 religious Eid al-Fitr holiday',
    '2025-04-08 religious Eid al-Fitr holiday',
    '2025-09-23 national National Day',
    '2025-09-24 national National Day (extra day)',
  ]);
  t.equal(listing(2026, { overrides: [governmentBreak] }).length, 10, '2026 is still computed');
  t.throws(() => holidaysForYear(2025, { overrides: [{ year: 2025, holidays: [{ date: '2026-01-01', name: { ar: 'س', en: 'x' } }] }] }), {
    code: 'HOLIDAY_INVALID',
  });
});

t.test('tenant holidays are added in their own year, sorted with the rest', async (t) => {
  const tenantHolidays = [
    { date: '2025-03-30', name: { ar: 'ذكرى التأسيس', en: 'Company day' } },
    { date: '2025-01-15', name: { ar: 'يوم الشركة', en: 'Company anniversary' } },
    { date: '2026-01-15', name: { ar: 'يوم الشركة', en: 'Company anniversary' } },
  ];
  const days = listing(2025, { tenantHolidays });
  t.equal(days[0], '2025-01-15 tenant Company anniversary');
  t.equal(days[2], '2025-03-30 religious Eid al-Fitr');
  t.equal(days[3], '2025-03-30 tenant Company day', 'same day: official first');
  t.equal(days.length, 12);
  t.same(listing(2025, { tenantHolidays, includeOfficial: false }), ['2025-01-15 tenant Company anniversary', '2025-03-30 tenant Company day']);
});

t.test('holiday sources for business calendars', async (t) => {
  const source = saudiHolidaySource();
  t.equal(source(2025), source(2025), 'computed once per year');
  t.same(fixedHolidaySource([{ date: '2025-12-25', name: { ar: 'عيد الميلاد', en: 'Christmas Day' } }])(2025).map((h) => h.date), ['2025-12-25']);
});

t.test('years the calendar cannot compute', async (t) => {
  t.throws(() => holidaysForYear(1900), { code: 'DATE_OUT_OF_RANGE' });
  t.throws(() => holidaysForYear(2025.5), { code: 'HOLIDAY_INVALID' });
  t.equal(holidaysForYear(2077).filter((h) => h.kind === 'religious').length, 8, 'the last partly covered year still has its Eids');
});
