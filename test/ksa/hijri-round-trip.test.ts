// Walks every day of the supported range: Gregorian -> Hijri -> Gregorian is exact, days follow
// each other without gaps, every month has 29 or 30 days, and the table is hijri-converter's
// except in the documented corrections (one source, not a blend).
import t from 'tap';
import { toHijri as packageToHijri } from 'hijri-converter';
import { addDays } from '../../plugins/ksa/src/gregorian-date.js';
import { defaultHijriCalendar as calendar, formatHijriIso, type HijriDate } from '../../plugins/ksa/src/hijri-calendar.js';
import { UMM_AL_QURA_CORRECTIONS } from '../../plugins/ksa/src/umm-al-qura-table.js';

t.test('range ends', async (t) => {
  t.equal(calendar.firstSupportedDate, '1945-12-05');
  t.equal(calendar.lastSupportedDate, '2077-11-16');
  t.same(calendar.toHijri('1945-12-05'), { year: 1365, month: 1, day: 1 });
  t.same(calendar.toHijri('2077-11-16'), { year: 1500, month: 12, day: 30 });
});

t.test('every day round-trips and the days follow each other', async (t) => {
  const failures: string[] = [];
  let previous: HijriDate | undefined;
  let days = 0;
  for (let date = calendar.firstSupportedDate; date <= calendar.lastSupportedDate; date = addDays(date, 1)) {
    const hijri = calendar.toHijri(date);
    const back = calendar.toGregorian(hijri);
    if (back !== date) failures.push(`${date} -> ${formatHijriIso(hijri)} -> ${back}`);
    if (previous) {
      const nextDay = hijri.year === previous.year && hijri.month === previous.month && hijri.day === previous.day + 1;
      const nextMonth =
        hijri.day === 1 &&
        (previous.day === 29 || previous.day === 30) &&
        (hijri.month === previous.month + 1 ? hijri.year === previous.year : hijri.month === 1 && previous.month === 12 && hijri.year === previous.year + 1);
      if (!nextDay && !nextMonth) failures.push(`${formatHijriIso(previous)} is followed by ${formatHijriIso(hijri)} on ${date}`);
      if (nextMonth && calendar.monthLength(previous.year, previous.month) !== previous.day) {
        failures.push(`${formatHijriIso(previous)}: month length disagrees with the walk`);
      }
    }
    previous = hijri;
    days++;
  }
  t.same(failures, [], 'no failures');
  t.equal(days, 48195, 'days walked (1365-01-01 to 1500-12-30)');
});

t.test('the table is hijri-converter 1.1.1 except in the corrected months', async (t) => {
  const corrected = new Set(UMM_AL_QURA_CORRECTIONS.map((c) => `${c.year}-${c.month}`));
  const differing = new Set<string>();
  for (let date = calendar.firstSupportedDate; date <= calendar.lastSupportedDate; date = addDays(date, 1)) {
    const ours = calendar.toHijri(date);
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const theirs = packageToHijri(y, m, d);
    if (theirs.hy !== ours.year || theirs.hm !== ours.month || theirs.hd !== ours.day) {
      // A correction moves the first day of its month, so the difference sits in that month or the one before.
      const month = ours.day === 1 ? `${ours.year}-${ours.month}` : `${theirs.hy}-${theirs.hm}`;
      differing.add(corrected.has(month) ? month : `${month} (uncorrected!) on ${date}`);
    }
  }
  t.same([...differing].sort(), [...corrected].sort());
});

t.test('just outside the range', async (t) => {
  t.throws(() => calendar.toHijri('1945-12-04'), { code: 'DATE_OUT_OF_RANGE' });
  t.throws(() => calendar.toHijri('2077-11-17'), { code: 'DATE_OUT_OF_RANGE' });
  t.throws(() => calendar.toGregorian({ year: 1364, month: 12, day: 29 }), { code: 'DATE_OUT_OF_RANGE' });
  t.throws(() => calendar.toGregorian({ year: 1501, month: 1, day: 1 }), { code: 'DATE_OUT_OF_RANGE' });
});
