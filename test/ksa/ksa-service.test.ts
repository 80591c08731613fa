// The service other plugins use: settings validation and defaults, and per-tenant formatters and
// business calendars built on the platform's overrides.
import t from 'tap';
import { createKsaService } from '../../plugins/ksa/src/ksa-service.js';
import { defaultLocaleSettings, validateLocaleSettings } from '../../plugins/ksa/src/locale-settings.js';
import * as ksa from '../../plugins/ksa/src/index.js';

t.test('defaults are Saudi', async (t) => {
  t.same(defaultLocaleSettings, {
    language: 'ar',
    locale: 'ar-SA',
    timezone: 'Asia/Riyadh',
    currency: 'SAR',
    calendarDisplay: 'both',
    digits: 'arab',
    workWeek: [7, 1, 2, 3, 4],
    businessHours: { start: '09:00', end: '17:00' },
    holidays: [],
    officialHolidays: 'SA',
  });
  t.ok(Object.isFrozen(defaultLocaleSettings));
  t.same(validateLocaleSettings({}), defaultLocaleSettings);
});

t.test('missing settings follow the language', async (t) => {
  const english = validateLocaleSettings({ language: 'en' });
  t.equal(english.locale, 'en-GB');
  t.equal(english.digits, 'latn');
  t.equal(english.timezone, 'Asia/Riyadh');
  const settings = validateLocaleSettings({
    language: 'en',
    locale: 'en-us',
    timezone: 'europe/london',
    workWeek: [5, 1, 2, 3, 4],
    holidays: [{ date: '2025-12-25', name: { ar: 'عيد الميلاد', en: 'Christmas Day' } }, { date: '2025-12-26', name: 'Boxing Day' }],
  });
  t.equal(settings.locale, 'en-US');
  t.equal(settings.timezone, 'Europe/London');
  t.same(settings.workWeek, [1, 2, 3, 4, 5]);
  t.same(settings.holidays[1], { date: '2025-12-26', name: { ar: 'Boxing Day', en: 'Boxing Day' } });
});

t.test('bad settings give the coded errors', async (t) => {
  t.throws(() => validateLocaleSettings(null), { code: 'LOCALE_SETTINGS_INVALID' });
  t.throws(() => validateLocaleSettings({ language: 'fr' }), { code: 'LOCALE_UNSUPPORTED', message: /use one of ar, en/ });
  t.throws(() => validateLocaleSettings({ language: 'ar', locale: 'en-GB' }), { code: 'LOCALE_UNSUPPORTED', message: /must match/ });
  t.throws(() => validateLocaleSettings({ locale: 'not a locale' }), { code: 'LOCALE_UNSUPPORTED' });
  t.throws(() => validateLocaleSettings({ timezone: 'Riyadh' }), { code: 'TIMEZONE_UNKNOWN' });
  t.throws(() => validateLocaleSettings({ workWeek: [] }), { code: 'WORK_WEEK_EMPTY' });
  t.throws(() => validateLocaleSettings({ workWeek: [8] }), { code: 'WORK_WEEK_INVALID' });
  t.throws(() => validateLocaleSettings({ businessHours: { start: '09:00', end: '25:00' } }), { code: 'BUSINESS_HOURS_INVALID' });
  t.throws(() => validateLocaleSettings({ currency: 'riyal' }), { code: 'CURRENCY_UNSUPPORTED' });
  t.throws(() => validateLocaleSettings({ calendarDisplay: 'lunar' }), { code: 'LOCALE_SETTINGS_INVALID', message: /gregorian, hijri, both/ });
  t.throws(() => validateLocaleSettings({ digits: 'thai' }), { code: 'LOCALE_SETTINGS_INVALID' });
  t.throws(() => validateLocaleSettings({ timeZone: 'Asia/Riyadh' }), { code: 'LOCALE_SETTINGS_INVALID', message: /unknown setting/ });
  t.throws(() => validateLocaleSettings({ holidays: [{ date: '2025-13-01', name: 'x' }] }), { code: 'GREGORIAN_DATE_INVALID' });
  t.throws(() => validateLocaleSettings({ holidays: [{ date: '2025-12-01', name: '' }] }), { code: 'HOLIDAY_INVALID' });
});

t.test('a tenant gets formatter and business calendar from its settings', async (t) => {
  const service = createKsaService();
  const tenant = service.forTenant({ language: 'en', digits: 'latn', calendarDisplay: 'hijri' });
  t.equal(tenant.formatter.date('2025-03-01'), '1 Ramadan 1446 AH');
  t.equal(tenant.formatter.money(123456), '1,234.56\u00a0SAR');
  t.equal(tenant.formatter.translate('invoice.dueDate'), 'Due date');
  t.equal(tenant.formatter.direction, 'ltr');
  t.equal(tenant.businessCalendar.addBusinessDays('2025-03-27', 1), '2025-04-03');
  t.equal(service.translate('ar', 'invoice.hijriDate'), 'التاريخ الهجري');
  t.equal(service.negotiateLanguage('en-GB'), 'en');
  t.throws(() => service.forTenant({ workWeek: [] }), { code: 'WORK_WEEK_EMPTY' });
});

t.test('platform overrides reach every tenant', async (t) => {
  const service = createKsaService({
    hijriOverrides: [
      { year: 1446, month: 12, firstDay: '2025-05-29' },
      { year: 1447, month: 1, firstDay: '2025-06-27' },
    ],
    holidayOverrides: [{ year: 2024, holidays: [{ date: '2024-04-07', name: { ar: 'إجازة عيد الفطر', en: 'Eid al-Fitr holiday' } }] }],
  });
  const tenant = service.forTenant({ language: 'ar' });
  t.equal(tenant.formatter.hijriDate('2025-06-07'), '١٠ ذو الحجة ١٤٤٦ هـ');
  t.equal(tenant.businessCalendar.isBusinessDay('2025-06-05'), true, 'Thursday is no longer Arafah');
  t.equal(tenant.businessCalendar.isBusinessDay('2025-06-09'), false, 'Monday is now in the Adha break');
  t.same(service.holidaysForYear(2024).filter((h) => h.kind === 'religious').map((h) => h.date), ['2024-04-07']);
  t.throws(() => createKsaService({ hijriOverrides: [{ year: 1446, month: 10, firstDay: '2025-04-05' }] }), { code: 'HIJRI_OVERRIDE_INVALID' });
});

t.test('the index exports the public API', async (t) => {
  for (const name of ['createKsaService', 'HijriCalendar', 'toHijri', 'toGregorian', 'monthLength', 'holidaysForYear', 'BusinessCalendar', 'createFormatter', 'formatMoney', 'plural', 'translate', 'negotiateLanguage', 'validateLocaleSettings', 'defaultLocaleSettings', 'KsaErrors', 'textDirection', 'compareCatalogs']) {
    t.ok(name in ksa, name);
  }
});
