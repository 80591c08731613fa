// December 2024 is where hijri-converter 1.1.1 and ICU disagree inside the years customers use
// most. We follow the published Umm al-Qura table: 1 Jumada al-Akhirah 1446 = Monday 2 December
// 2024 (CALENDAR.md has the evidence). The package's own value, 3 December, is pinned too, so a
// package upgrade that changes it is noticed.
import t from 'tap';
import { toHijri as packageToHijri } from 'hijri-converter';
import { weekdayOf } from '../../plugins/ksa/src/gregorian-date.js';
import { monthLength, toGregorian, toHijri } from '../../plugins/ksa/src/hijri-calendar.js';

t.test('1 Jumada al-Akhirah 1446 is Monday 2024-12-02', async (t) => {
  t.equal(toGregorian({ year: 1446, month: 6, day: 1 }), '2024-12-02');
  t.equal(weekdayOf('2024-12-02'), 1, 'a Monday');
  t.same(toHijri('2024-12-01'), { year: 1446, month: 5, day: 29 });
  t.same(toHijri('2024-12-02'), { year: 1446, month: 6, day: 1 });
  t.same(toHijri('2024-12-03'), { year: 1446, month: 6, day: 2 });
  t.same(toHijri('2024-12-31'), { year: 1446, month: 6, day: 30 });
  t.same(toHijri('2025-01-01'), { year: 1446, month: 7, day: 1 }, 'Rajab starts where both sources agree again');
});

t.test('so Jumada al-Ula has 29 days and Jumada al-Akhirah 30', async (t) => {
  t.equal(monthLength(1446, 5), 29);
  t.equal(monthLength(1446, 6), 30);
});

t.test('the uncorrected package value differs by one day all month', async (t) => {
  t.same(packageToHijri(2024, 12, 2), { hy: 1446, hm: 5, hd: 30 });
  t.same(packageToHijri(2024, 12, 3), { hy: 1446, hm: 6, hd: 1 });
});
