/**
 * The one source of Hijri dates: the Umm al-Qura month-start table shipped in the npm package
 * `hijri-converter` 1.1.1, read once through its public API over 1365–1500 AH, plus the short list of
 * corrections where that table departs from the official Umm al-Qura publication. ICU (Intl's
 * 'islamic-umalqura') is never used to convert: it follows a different table before 1420 AH and
 * after 1450 AH. CALENDAR.md gives the evidence for the table, the range and each correction.
 */
import { toGregorian as converterToGregorian, toHijri as converterToHijri } from 'hijri-converter';
import { dayNumberOf, dayNumberToIsoDate } from './gregorian-date.js';

/**
 * First Hijri year of the supported range (1 Muharram 1365 = 1945-12-05). The package starts at
 * 1356, but the published record before 1365 has irregular months (Shaban 1364 has 28 days); from
 * 1365 on every month is 29 or 30 days and the table matches the printed official calendars.
 */
export const FIRST_SUPPORTED_HIJRI_YEAR = 1365;
/** Last Hijri year of the supported range (30 Dhu al-Hijjah 1500 = 2077-11-16). */
export const LAST_SUPPORTED_HIJRI_YEAR = 1500;

/** Number of Hijri months in the supported range. */
export const SUPPORTED_MONTH_COUNT = (LAST_SUPPORTED_HIJRI_YEAR - FIRST_SUPPORTED_HIJRI_YEAR + 1) * 12;

/** Index of a Hijri month in the table (0 = Muharram 1365); may be out of range. */
export function monthIndexOf(year: number, month: number): number {
  return (year - FIRST_SUPPORTED_HIJRI_YEAR) * 12 + (month - 1);
}

/**
 * A correction of the package's table: the official first day of a month that the package places
 * one day off. Kept as data in the same shape as an administrator's override.
 */
export interface UmmAlQuraCorrection {
  readonly year: number;
  readonly month: number;
  /** The officially published first day, `YYYY-MM-DD`. */
  readonly firstDay: string;
  /** Where the official date was checked. */
  readonly evidence: string;
}

/**
 * Months where hijri-converter 1.1.1 disagrees with the published Umm al-Qura calendar. Each one is
 * a disagreement found over 1365–1500 AH against the official table (see CALENDAR.md).
 */
export const UMM_AL_QURA_CORRECTIONS: readonly UmmAlQuraCorrection[] = [
  {
    year: 1427,
    month: 6,
    firstDay: '2006-06-27',
    evidence: 'Umm al-Qura newspaper dated 11 Jumada al-Akhirah 1427 = 2006-07-07; Umm al-Qura comparative calendar (2nd ed.)',
  },
  {
    year: 1446,
    month: 6,
    firstDay: '2024-12-02',
    evidence: 'ummulqura.org.sa month table; calendar houses using the Umm al-Qura rule; ICU agrees',
  },
  {
    year: 1485,
    month: 10,
    firstDay: '2063-01-30',
    evidence: 'ummulqura.org.sa month table (projected; ICU keeps the package value 2063-01-31)',
  },
];

/**
 * Day numbers (days since 1970-01-01) of the first day of every supported month, plus one more
 * entry: the day after 30 Dhu al-Hijjah 1500, so every month's length is `starts[i + 1] - starts[i]`.
 * Built from the package without corrections; `HijriCalendar` applies corrections and overrides.
 */
export const PACKAGE_MONTH_STARTS: readonly number[] = buildPackageMonthStarts();

function buildPackageMonthStarts(): number[] {
  const starts: number[] = [];
  for (let year = FIRST_SUPPORTED_HIJRI_YEAR; year <= LAST_SUPPORTED_HIJRI_YEAR; year++) {
    for (let month = 1; month <= 12; month++) {
      const { gy, gm, gd } = converterToGregorian(year, month, 1);
      starts.push(dayNumberOf(gy, gm, gd));
    }
  }
  // The package has no "end of table" call; its last month has 30 days when day 30 converts back.
  const lastStart = starts[starts.length - 1] as number;
  const day30 = dayNumberToIsoDate(lastStart + 29).split('-').map(Number) as [number, number, number];
  const back = converterToHijri(...day30);
  starts.push(lastStart + (back.hy === LAST_SUPPORTED_HIJRI_YEAR && back.hm === 12 && back.hd === 30 ? 30 : 29));
  // A newer package version with a different table must fail loudly here, not drift silently.
  for (let i = 0; i + 1 < starts.length; i++) {
    const length = (starts[i + 1] as number) - (starts[i] as number);
    if (length !== 29 && length !== 30) {
      throw new Error(`hijri-converter table is not an Umm al-Qura table: month index ${i} has ${length} days`);
    }
  }
  return starts;
}
