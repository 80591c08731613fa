// Exact strings for dates, times, numbers and money in Arabic and English with both digit systems.
// Separators are pinned: Arabic-Indic digits use ٬ (U+066C) and ٫ (U+066B); the amount and its
// currency are joined by a no-break space (U+00A0); a negative Arabic-Indic amount starts with the
// Arabic letter mark (U+061C) so the minus stays on the number's left in right-to-left text.
import t from 'tap';
import { DateTime } from 'luxon';
import { addDays } from '../../plugins/ksa/src/gregorian-date.js';
import { HijriCalendar, toGregorian } from '../../plugins/ksa/src/hijri-calendar.js';
import {
  createFormatter,
  formatHijriDate,
  formatMoney,
  formatNumber,
  plural,
  textDirection,
  toDigits,
  type LocaleFormatterOptions,
} from '../../plugins/ksa/src/format.js';

const base: LocaleFormatterOptions = {
  language: 'ar',
  locale: 'ar-SA',
  digits: 'arab',
  timezone: 'Asia/Riyadh',
  calendarDisplay: 'both',
  currency: 'SAR',
};
const arArab = createFormatter(base);
const arLatn = createFormatter({ ...base, digits: 'latn' });
const enLatn = createFormatter({ ...base, language: 'en', locale: 'en-GB', digits: 'latn' });
const enArab = createFormatter({ ...base, language: 'en', locale: 'en-GB', digits: 'arab' });
const enUs = createFormatter({ ...base, language: 'en', locale: 'en-US', digits: 'latn' });

t.test('money from integer halalas', async (t) => {
  t.equal(enLatn.money(123456), '1,234.56\u00a0SAR');
  t.equal(arArab.money(123456), '١٬٢٣٤٫٥٦\u00a0ر.س');
  t.equal(arLatn.money(123456), '1,234.56\u00a0ر.س');
  t.equal(enArab.money(123456), '١٬٢٣٤٫٥٦\u00a0SAR');
  t.equal(enLatn.money(0), '0.00\u00a0SAR');
  t.equal(enLatn.money(5), '0.05\u00a0SAR');
  t.equal(enLatn.money(-123456), '-1,234.56\u00a0SAR');
  t.equal(arArab.money(-5), '\u061c-٠٫٠٥\u00a0ر.س');
  t.equal(enLatn.money(100_000_000_000n), '1,000,000,000.00\u00a0SAR', 'BigInt');
  t.equal(enLatn.money(123_456_789_012_345_678_901n), '1,234,567,890,123,456,789.01\u00a0SAR', 'beyond 2^53, still exact');
  t.equal(enLatn.money(Number.MAX_SAFE_INTEGER), '90,071,992,547,409.91\u00a0SAR');
  t.equal(enLatn.money(1234567, 'KWD'), '1,234.567\u00a0KWD', 'three minor digits');
  t.equal(arArab.money(1234, 'JPY'), '١٬٢٣٤\u00a0JPY', 'no minor digits; other currencies keep their code in Arabic');
  t.equal(formatMoney(123456, { language: 'en', digits: 'latn' }), '1,234.56\u00a0SAR', 'SAR by default');
  t.throws(() => enLatn.money(12.5), { code: 'AMOUNT_INVALID', message: /integer number of minor units/ });
  t.throws(() => enLatn.money(2 ** 53), { code: 'AMOUNT_INVALID' });
  t.throws(() => enLatn.money(100, 'XYZ'), { code: 'CURRENCY_UNSUPPORTED' });
  t.throws(() => enLatn.money(100, 'sar'), { code: 'CURRENCY_UNSUPPORTED' });
});

t.test('numbers and digits', async (t) => {
  t.equal(formatNumber(1234567.5, 'ar', 'arab'), '١٬٢٣٤٬٥٦٧٫٥');
  t.equal(formatNumber(1234567.5, 'en', 'latn'), '1,234,567.5');
  t.equal(arArab.number(15, { style: 'percent' }), '١٬٥٠٠٪؜');
  t.equal(toDigits('2025-03-01', 'arab'), '٢٠٢٥-٠٣-٠١');
  t.equal(toDigits('2025-03-01', 'latn'), '2025-03-01');
});

t.test('dates in the tenant display (both calendars)', async (t) => {
  t.equal(arArab.date('2025-03-01'), '١ رمضان ١٤٤٦ هـ الموافق ١ مارس ٢٠٢٥');
  t.equal(arLatn.date('2025-03-01'), '1 رمضان 1446 هـ الموافق 1 مارس 2025');
  t.equal(enLatn.date('2025-03-01'), '1 March 2025 (1 Ramadan 1446 AH)');
  t.equal(enArab.date('2025-03-01'), '١ March ٢٠٢٥ (١ Ramadan ١٤٤٦ AH)');
  t.equal(enUs.date('2025-03-01'), 'March 1, 2025 (Ramadan 1, 1446 AH)');
});

t.test('one calendar, long and numeric', async (t) => {
  t.equal(arArab.date('2024-12-02', 'hijri'), '١ جمادى الآخرة ١٤٤٦ هـ');
  t.equal(enLatn.date('2024-12-02', 'hijri'), '1 Jumada al-Akhirah 1446 AH');
  t.equal(enLatn.date('2024-12-02', 'gregorian'), '2 December 2024');
  t.equal(arArab.gregorianDate('2024-12-02'), '٢ ديسمبر ٢٠٢٤');
  t.equal(arArab.hijriDate('2025-03-01', 'numeric'), '٠١\u200f/٠٩\u200f/١٤٤٦ هـ');
  t.equal(arArab.gregorianDate('2025-03-01', 'numeric'), '٠١\u200f/٠٣\u200f/٢٠٢٥');
  t.equal(enLatn.hijriDate('2025-03-01', 'numeric'), '01/09/1446 AH');
  t.equal(enUs.hijriDate('2025-03-01', 'numeric'), '09/01/1446 AH');
  t.equal(enLatn.gregorianDate('2025-03-01', 'numeric'), '01/03/2025');
});

t.test('Hijri display follows our calendar where ICU disagrees or an override applies', async (t) => {
  // ICU's own table puts 2030-05-03 on 30 Dhu al-Hijjah 1451; the Umm al-Qura table on 1 Muharram 1452.
  t.equal(enLatn.hijriDate('2030-05-03'), '1 Muharram 1452 AH');
  t.equal(arArab.hijriDate('2030-05-03'), '١ محرم ١٤٥٢ هـ');
  const overridden = new HijriCalendar([{ year: 1446, month: 10, firstDay: '2025-03-31' }]);
  const options = { locale: 'en-GB', digits: 'latn' as const, calendar: overridden };
  t.equal(formatHijriDate('2025-03-30', options), '30 Ramadan 1446 AH');
  t.equal(formatHijriDate('2025-03-31', options), '1 Shawwal 1446 AH');
  t.equal(createFormatter({ ...base, calendar: overridden }).hijriDate('2025-03-30'), '٣٠ رمضان ١٤٤٦ هـ');
});

t.test('where ICU agrees, the Arabic Hijri text is exactly what Luxon prints', async (t) => {
  const mismatches: string[] = [];
  const first = toGregorian({ year: 1446, month: 1, day: 1 });
  for (let date = first, i = 0; i < 354; date = addDays(date, 1), i++) {
    const luxon = DateTime.fromISO(date, { zone: 'UTC', locale: 'ar-SA', numberingSystem: 'arab', outputCalendar: 'islamic-umalqura' })
      .toLocaleString({ day: 'numeric', month: 'long', year: 'numeric' });
    const ours = arArab.hijriDate(date);
    if (ours !== luxon) mismatches.push(`${date}: ${ours} / ${luxon}`);
  }
  t.same(mismatches, []);
});

t.test('times in the tenant zone', async (t) => {
  t.equal(arArab.time('2025-03-01T06:05:00Z'), '٩:٠٥ ص');
  t.equal(arLatn.time('2025-03-01T06:05:00Z'), '9:05 ص');
  t.equal(enUs.time('2025-03-01T06:05:00Z'), '9:05 AM');
  t.equal(enLatn.time('2025-03-01T18:05:00Z'), '21:05', 'en-GB uses a 24-hour clock');
  t.equal(arArab.dateTime('2025-03-01T18:05:00Z'), '١ رمضان ١٤٤٦ هـ الموافق ١ مارس ٢٠٢٥، ٩:٠٥ م');
  t.equal(enLatn.dateTime('2025-03-01T18:05:00Z'), '1 March 2025 (1 Ramadan 1446 AH), 21:05');
  const london = createFormatter({ ...base, language: 'en', locale: 'en-GB', digits: 'latn', timezone: 'Europe/London', calendarDisplay: 'gregorian' });
  t.equal(london.dateTime('2025-03-01T23:30:00Z'), '1 March 2025, 23:30');
  t.equal(enLatn.dateTime('2025-03-01T23:30:00Z'), '2 March 2025 (2 Ramadan 1446 AH), 02:30', 'already the next day in Riyadh');
  t.throws(() => enLatn.time('2025-03-01 06:05'), { code: 'INSTANT_INVALID' });
});

t.test('Arabic plural forms', async (t) => {
  const days = { zero: 'لا أيام', one: 'يوم واحد', two: 'يومان', few: '{count} أيام', many: '{count} يومًا', other: '{count} يوم' };
  t.same(
    [0, 1, 2, 3, 10, 11, 99, 100, 102, 103].map((n) => plural('ar', n, days)),
    ['لا أيام', 'يوم واحد', 'يومان', '٣ أيام', '١٠ أيام', '١١ يومًا', '٩٩ يومًا', '١٠٠ يوم', '١٠٢ يوم', '١٠٣ أيام'],
  );
  t.equal(plural('ar', 11, days, 'latn'), '11 يومًا');
  t.equal(plural('ar', 5, { other: '{count} مستخدم' }), '٥ مستخدم', 'missing forms fall back to other');
  t.equal(plural('en', 1, { one: '{count} day', other: '{count} days' }), '1 day');
  t.equal(plural('en', 1500, { one: '{count} day', other: '{count} days' }), '1,500 days');
  t.equal(enArab.plural(2, { one: '{count} day', other: '{count} days' }), '٢ days');
});

t.test('direction', async (t) => {
  t.equal(textDirection('ar'), 'rtl');
  t.equal(textDirection('en'), 'ltr');
  t.equal(arArab.direction, 'rtl');
  t.equal(enLatn.direction, 'ltr');
});

t.test('locales the formatter cannot speak', async (t) => {
  t.throws(() => formatHijriDate('2025-03-01', { locale: 'fr-FR', digits: 'latn' }), { code: 'LOCALE_UNSUPPORTED' });
  t.throws(() => formatHijriDate('2025-03-01', { locale: 'not a locale', digits: 'latn' }), { code: 'LOCALE_UNSUPPORTED' });
  t.throws(() => arArab.date('2025-02-30'), { code: 'GREGORIAN_DATE_INVALID' });
});
