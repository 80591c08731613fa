import t from 'tap';
import type { Test } from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN, startTestKernel } from '../helpers/kernel.js';
import { runDogan } from '../helpers/spawn-dogan.js';

/**
 * The inputs the fault tests found answering 500 (or 502), and a time zone accepted at creation that
 * made every calendar route of the tenant answer 400: each is now a 400 problem at the door, with the
 * field named, and nothing was stored. A second tenant's calendar keeps working throughout.
 */

await forEachEngine(t, 'bad input is refused at the door', async (t, engine) => {
  const kernel = await startTestKernel(t, { config: engine.config({ DOGAN_DEMO_TENANT: 'true' }) });
  const demoKey = /DOGAN_DEMO_KEY=(\S+)/.exec(kernel.host.announcements.join('\n'))![1]!;
  const send = async (method: string, url: string, key: string, payload?: unknown) => {
    const res = await kernel.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${key}` }, payload: payload as object });
    return { status: res.statusCode, type: String(res.headers['content-type']), body: res.json() as Record<string, unknown> };
  };
  const refused = (t: Test, res: { status: number; type: string; body: Record<string, unknown> }, field: RegExp, what: string) => {
    t.equal(res.status, 400, `${what}: 400`);
    t.match(res.type, /application\/problem\+json/, `${what}: a problem document`);
    t.equal(res.body.code, 'VALIDATION_FAILED', `${what}: VALIDATION_FAILED`);
    t.match(JSON.stringify(res.body.errors ?? res.body.detail), field, `${what}: names the field`);
  };

  const tenantsBefore = (await send('GET', '/api/admin/tenants', TEST_ADMIN_TOKEN)).body.total;
  refused(t, await send('POST', '/api/admin/tenants', TEST_ADMIN_TOKEN, { name: 'Nul Co', timezone: 'Asia/Riy\u0000adh' }), /timezone/, 'NUL in a new tenant\'s timezone');
  refused(t, await send('POST', '/api/admin/tenants', TEST_ADMIN_TOKEN, { name: 'Mars Co', timezone: 'Mars/Olympus' }), /timezone/, 'an unknown timezone at creation');
  refused(t, await send('PUT', '/api/admin/tenants/demo', TEST_ADMIN_TOKEN, { timezone: 'Mars/Olympus' }), /timezone/, 'an unknown timezone on update');
  refused(t, await send('POST', '/api/admin/tenants', TEST_ADMIN_TOKEN, { name: 'Acme\u0000' }), /name/, 'NUL in a tenant name');
  t.equal((await send('GET', '/api/admin/tenants', TEST_ADMIN_TOKEN)).body.total, tenantsBefore, 'no tenant was created');

  refused(t, await send('POST', '/api/v1/demo/api-keys', demoKey, { name: 'ci\u0000key' }), /name/, "NUL in an API key's name (tenant route)");
  refused(t, await send('POST', '/api/admin/tenants/demo/api-keys', TEST_ADMIN_TOKEN, { name: 'ci\u0000key' }), /name/, "NUL in an API key's name (admin route)");
  refused(
    t,
    await send('PUT', '/api/admin/holidays/2030', TEST_ADMIN_TOKEN, { holidays: [{ date: '2030-09-23', name: { ar: 'اليوم\u0000 الوطني', en: 'National Day' } }] }),
    /holidays\.0\.name\.ar/,
    'NUL in a holiday name',
  );
  refused(t, await send('PUT', '/api/v1/demo/settings/locale', demoKey, { timezone: 'Asia/\u0000Riyadh' }), /timezone/, 'NUL in locale settings');
  refused(t, await send('POST', '/api/v1/demo/apps/dogan.notes/notes', demoKey, { text: 'hello\u0000world' }), /body/, "NUL in a note's text");
  // Numbers that are not finite: Ajv takes Infinity for an integer (the fuzzer found offset=1e309 a 500).
  refused(t, await send('GET', '/api/admin/tenants?offset=1e309', TEST_ADMIN_TOKEN), /offset/, 'an infinite offset in a query string');
  refused(t, await send('GET', '/api/admin/tenants?limit=-1e309', TEST_ADMIN_TOKEN), /limit/, 'a negative infinite limit');
  const notes = await send('GET', '/api/v1/demo/apps/dogan.notes/notes', demoKey);
  t.same(notes.body.notes, [], 'no note was stored');

  // The CLI reaches the same rule without the HTTP schema.
  const cli = await runDogan(['tenant', 'create', '--name', 'Mars Co', '--timezone', 'Mars/Olympus'], { ...engine.env, DOGAN_ADMIN_TOKEN: TEST_ADMIN_TOKEN });
  t.not(cli.code, 0, 'dogan tenant create refuses an unknown time zone');
  t.match(cli.stdout + cli.stderr, /TIMEZONE_INVALID|not an IANA time zone/);

  // A tenant with a real time zone, created after all that, has working calendar routes.
  const other = await send('POST', '/api/admin/tenants', TEST_ADMIN_TOKEN, { name: 'Jeddah Co', subdomain: 'jeddah', timezone: 'Asia/Riyadh' });
  t.equal(other.status, 201);
  const otherKey = String((await send('POST', '/api/admin/tenants/jeddah/api-keys', TEST_ADMIN_TOKEN, { name: 'calendar' })).body.key);
  t.equal((await send('GET', '/api/v1/jeddah/calendar/holidays?year=2026', otherKey)).status, 200, "the second tenant's calendar works");
  t.equal((await send('GET', '/api/v1/demo/calendar/business-days?from=2026-12-03&add=1', demoKey)).status, 200, "the first tenant's calendar works");
});
