// Every officially observed day in the shared test vectors (test/fixtures/vectors, a copy of the
// project's shared/data kept in the repository so a checkout anywhere runs them) converts both ways,
// plus the dates the product team checks by hand (Ramadan 1446, Eid al-Fitr 1447, Hijri new year 1448).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { formatHijriIso, toGregorian, toHijri } from '../../plugins/ksa/src/hijri-calendar.js';

interface OfficialDay {
  gregorian: string;
  hijri: string;
  what: string;
}

const file = JSON.parse(readFileSync(new URL('../fixtures/vectors/hijri-umalqura.json', import.meta.url), 'utf8')) as {
  days: OfficialDay[];
};

function hijriOf(text: string) {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  return { year, month, day };
}

t.test('the official file is not empty', async (t) => {
  t.ok(file.days.length >= 9);
});

for (const row of file.days) {
  t.test(`${row.what}: ${row.gregorian} <-> ${row.hijri}`, async (t) => {
    t.equal(formatHijriIso(toHijri(row.gregorian)), row.hijri, 'Gregorian to Hijri');
    t.equal(toGregorian(hijriOf(row.hijri)), row.gregorian, 'Hijri to Gregorian');
  });
}

t.test('dates announced or published by the Umm al-Qura calendar', async (t) => {
  t.equal(toGregorian({ year: 1446, month: 9, day: 1 }), '2025-03-01', '1 Ramadan 1446');
  t.equal(toGregorian({ year: 1447, month: 10, day: 1 }), '2026-03-20', 'Eid al-Fitr 1447');
  t.equal(toGregorian({ year: 1448, month: 1, day: 1 }), '2026-06-16', '1 Muharram 1448');
  t.same(toHijri('2026-06-16'), { year: 1448, month: 1, day: 1 });
});
