import t from 'tap';
import ksaPlugin from '../../plugins/ksa/src/index.js';
import tenantsPlugin from '../../tenants/src/index.js';
import { forEachEngine } from '../helpers/engines.js';
import { startTestKernel } from '../helpers/kernel.js';
import { adminHeaders, createTenantWithKey } from '../helpers/tenant-fixtures.js';

void forEachEngine(t, 'the KSA plugin over HTTP, with two tenants that must not see each other', async (t, engine) => {
  const kernel = await startTestKernel(t, { plugins: [tenantsPlugin, ksaPlugin], config: engine.config() });
  const { app } = kernel;
  const riyadh = await createTenantWithKey(app, { name: 'شركة الرياض', subdomain: 'riyadh-co' });
  const london = await createTenantWithKey(app, { name: 'London Ltd', subdomain: 'london-ltd', locale: 'en', timezone: 'Europe/London' });
  const get = (who: { headers: Record<string, string>; subdomain: string }, path: string, headers: Record<string, string> = {}) =>
    app.inject({ url: `/api/v1/${who.subdomain}${path}`, headers: { ...who.headers, ...headers } });

  t.test('a new Saudi tenant gets Arabic, Riyadh, SAR, both calendars and Sunday–Thursday', async (t) => {
    const res = await get(riyadh, '/settings/locale');
    t.equal(res.statusCode, 200);
    t.match(res.json(), { language: 'ar', timezone: 'Asia/Riyadh', currency: 'SAR', calendarDisplay: 'both', digits: 'arab', workWeek: [7, 1, 2, 3, 4] });
  });

  t.test('conversion both ways, formatted in the tenant language', async (t) => {
    const g = await get(riyadh, '/calendar/convert?gregorian=2024-03-11');
    t.match(g.json(), { gregorian: '2024-03-11', hijri: { year: 1445, month: 9, day: 1, iso: '1445-09-01', monthName: { en: 'Ramadan', ar: 'رمضان' } } });
    t.match(g.json().formatted, /رمضان/);
    const h = await get(riyadh, '/calendar/convert?hijri=1446-10-01');
    t.equal(h.json().gregorian, '2025-03-30');
  });

  t.test('impossible dates and bad queries are 4xx problems with codes', async (t) => {
    for (const [path, code] of [
      ['/calendar/convert?hijri=1445-13-01', 'HIJRI_DATE_INVALID'],
      ['/calendar/convert?hijri=1446-09-30', 'HIJRI_DATE_INVALID'],
      ['/calendar/convert?gregorian=2025-02-30', 'GREGORIAN_DATE_INVALID'],
      ['/calendar/convert', 'ARGUMENT_INVALID'],
      ['/calendar/convert?gregorian=2025-01-01&hijri=1446-01-01', 'ARGUMENT_INVALID'],
      ['/calendar/convert?gregorian=tomorrow', 'VALIDATION_FAILED'],
      ['/calendar/convert?gregorian=2099-01-01', 'DATE_OUT_OF_RANGE'],
      ['/calendar/business-days?from=2025-01-01', 'VALIDATION_FAILED'],
    ] as const) {
      const res = await get(riyadh, path);
      t.equal(res.statusCode, 400, path);
      t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
      t.equal(res.json().code, code, path);
    }
  });

  t.test('business days skip the Friday–Saturday weekend and the Eid break', async (t) => {
    // Thursday 27 March 2025; Eid al-Fitr break 30 March – 2 April.
    const res = await get(riyadh, '/calendar/business-days?from=2025-03-27&add=3');
    t.same(res.json().date, '2025-04-07');
  });

  t.test('a London tenant with a Monday–Friday week and no Saudi holidays gets its own answers', async (t) => {
    const put = await app.inject({
      method: 'PUT',
      url: `/api/v1/${london.subdomain}/settings/locale`,
      headers: london.headers,
      payload: { language: 'en', timezone: 'Europe/London', workWeek: [1, 2, 3, 4, 5], officialHolidays: 'none', holidays: [{ date: '2025-04-18', name: { en: 'Good Friday', ar: 'الجمعة العظيمة' } }] },
    });
    t.equal(put.statusCode, 200, put.body);
    const london27 = await get(london, '/calendar/business-days?from=2025-03-27&add=3');
    t.equal(london27.json().date, '2025-04-01', 'Fri 28, Mon 31, Tue 1: no weekend on Sunday, no Eid');
    const holidays = await get(london, '/calendar/holidays?year=2025');
    t.same(holidays.json().holidays.map((h: { date: string }) => h.date), ['2025-04-18']);
    const saudi = await get(riyadh, '/calendar/business-days?from=2025-03-27&add=3');
    t.equal(saudi.json().date, '2025-04-07', 'the other tenant is unaffected');
    t.equal((await get(riyadh, '/settings/locale')).json().timezone, 'Asia/Riyadh');
  });

  t.test('settings are validated: unknown timezone, empty work week, unknown key', async (t) => {
    for (const [payload, code] of [
      [{ timezone: 'Mars/Olympus' }, 'TIMEZONE_UNKNOWN'],
      [{ workWeek: [] }, 'WORK_WEEK_EMPTY'],
      [{ timeZone: 'Asia/Riyadh' }, 'LOCALE_SETTINGS_INVALID'],
    ] as const) {
      const res = await app.inject({ method: 'PUT', url: `/api/v1/${riyadh.subdomain}/settings/locale`, headers: riyadh.headers, payload });
      t.equal(res.statusCode, 400);
      t.equal(res.json().code, code);
    }
    t.equal((await get(riyadh, '/settings/locale')).json().timezone, 'Asia/Riyadh', 'nothing half-written');
  });

  t.test('a key without the admin scope cannot change settings', async (t) => {
    const reader = await app.inject({ method: 'POST', url: `/api/admin/tenants/${riyadh.id}/api-keys`, headers: adminHeaders, payload: { name: 'reader', scopes: ['read'] } });
    const res = await app.inject({ method: 'PUT', url: `/api/v1/${riyadh.subdomain}/settings/locale`, headers: { authorization: `Bearer ${reader.json().key}` }, payload: { language: 'en' } });
    t.equal(res.statusCode, 403);
    t.equal(res.json().code, 'API_KEY_SCOPE_MISSING');
  });

  t.test("a Hijri month override moves conversions and the Eid holidays, for every tenant", async (t) => {
    const shift = (iso: string, days: number) => new Date(Date.parse(iso) + days * 86_400_000).toISOString().slice(0, 10);
    const has30 = async (y: number, m: number) => (await get(riyadh, `/calendar/convert?hijri=${y}-${String(m).padStart(2, '0')}-30`)).statusCode === 200;
    const toGregorian = async (hijri: string) => (await get(riyadh, `/calendar/convert?hijri=${hijri}`)).json().gregorian as string;
    // An Eid month whose start can move by a day with both it and the month before staying 29 or 30 days long.
    let pick: { year: number; month: number; by: number } | undefined;
    for (const [year, month] of [[1446, 10], [1446, 12], [1447, 10], [1447, 12]] as const) {
      const [prev, cur] = [await has30(year, month - 1), await has30(year, month)];
      if (!prev && cur) pick = { year, month, by: 1 };
      if (prev && !cur) pick = { year, month, by: -1 };
      if (pick) break;
    }
    if (!pick) return t.fail('no Eid month can be moved by a day in 1446-1447');
    const mm = String(pick.month).padStart(2, '0');
    const eidDay = pick.month === 10 ? `${pick.year}-10-01` : `${pick.year}-12-10`;
    const eidName = pick.month === 10 ? 'Eid al-Fitr' : 'Eid al-Adha';
    const computed = await toGregorian(`${pick.year}-${mm}-01`);
    const moved = shift(computed, pick.by);
    const eidLabel = async (who: typeof riyadh) => {
      const year = Number((await toGregorian(eidDay)).slice(0, 4));
      const list = (await get(who, `/calendar/holidays?year=${year}`)).json().holidays as Array<{ date: string; name: { en: string } }>;
      return list.find((h) => h.name.en === eidName)?.date;
    };
    const labelBefore = await eidLabel(riyadh);
    const put = await app.inject({ method: 'PUT', url: `/api/admin/hijri-months/${pick.year}/${pick.month}`, headers: adminHeaders, payload: { firstDay: moved } });
    t.equal(put.statusCode, 200, put.body);
    t.equal(await toGregorian(`${pick.year}-${mm}-01`), moved);
    t.equal((await get(london, `/calendar/convert?hijri=${pick.year}-${mm}-01`)).json().gregorian, moved, 'every tenant sees the override');
    const labelAfter = await eidLabel(riyadh);
    t.equal(labelAfter, await toGregorian(eidDay), `${eidName} follows the overridden month`);
    t.equal(labelAfter, shift(labelBefore!, pick.by), 'and moved by the same day');
    const bad = await app.inject({ method: 'PUT', url: `/api/admin/hijri-months/${pick.year}/${pick.month}`, headers: adminHeaders, payload: { firstDay: '2020-01-01' } });
    t.equal(bad.statusCode, 400);
    t.equal(bad.json().code, 'HIJRI_OVERRIDE_INVALID');
    const tenantTry = await app.inject({ method: 'PUT', url: `/api/admin/hijri-months/${pick.year}/${pick.month}`, headers: riyadh.headers, payload: { firstDay: moved } });
    t.equal(tenantTry.statusCode, 403, 'a tenant key is not the platform admin');
    await app.inject({ method: 'DELETE', url: `/api/admin/hijri-months/${pick.year}/${pick.month}`, headers: adminHeaders });
    t.equal(await toGregorian(`${pick.year}-${mm}-01`), computed, 'removing the override restores the calculation');
  });

  t.test("a year's announced holidays replace the computed Eid days", async (t) => {
    const put = await app.inject({
      method: 'PUT',
      url: '/api/admin/holidays/2025',
      headers: adminHeaders,
      payload: { holidays: [{ date: '2025-03-30', name: { en: 'Eid al-Fitr', ar: 'عيد الفطر' }, kind: 'religious' }] },
    });
    t.equal(put.statusCode, 200, put.body);
    const saudi = await get(riyadh, '/calendar/business-days?from=2025-03-27&add=3');
    t.equal(saudi.json().date, '2025-04-02', 'only 30 March is off now: Mon 31, Tue 1, Wed 2');
    await app.inject({ method: 'DELETE', url: '/api/admin/holidays/2025', headers: adminHeaders });
    t.equal((await get(riyadh, '/calendar/business-days?from=2025-03-27&add=3')).json().date, '2025-04-07');
  });

  t.test('problem titles follow the tenant language, or Accept-Language without a tenant', async (t) => {
    await get(riyadh, '/settings/locale');
    const ar = await get(riyadh, '/calendar/convert?hijri=1445-13-01');
    t.equal(ar.json().title, 'تاريخ هجري غير صحيح');
    const en = await get(london, '/calendar/convert?hijri=1445-13-01', { 'accept-language': 'ar' });
    t.equal(en.json().title, 'Invalid Hijri date', "the tenant's own language wins");
    const anon = await app.inject({ url: '/nowhere', headers: { 'accept-language': 'ar-SA,ar;q=0.9' } });
    t.equal(anon.json().title, 'غير موجود');
    t.equal(anon.json().code, 'ROUTE_NOT_FOUND');
  });
});
