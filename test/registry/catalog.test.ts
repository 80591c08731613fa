import t from 'tap';
import { createPublisher } from './helpers/publisher.js';
import { startTestRegistry, TEST_REGISTRY_ADMIN_TOKEN } from './helpers/registry-server.js';
import { call, manifestFor, signedRelease, upload } from './helpers/releases.js';

t.test('search, resolution, deprecation, yanks and dist-tags', async (t) => {
  const reg = await startTestRegistry(t);
  const acme = await createPublisher(reg.url, 'acme');
  const sahl = await createPublisher(reg.url, 'sahl');
  const publish = async (who: typeof acme, id: string, version: string, overrides: Record<string, unknown> = {}, tag?: string) => {
    const res = await upload(reg.url, who.token, id, version, { ...(await signedRelease(who.keys, manifestFor(id, version, overrides))), tag });
    t.equal(res.status, 201, `${id}@${version}: ${JSON.stringify(res.body).slice(0, 200)}`);
  };
  await publish(acme, 'acme.reminders', '1.0.0');
  await publish(acme, 'acme.reminders', '1.1.0');
  await publish(acme, 'acme.reminders', '2.0.0-beta.1');
  await publish(acme, 'acme.crm', '1.0.0', {
    category: 'crm',
    name: { en: 'Customer book', ar: 'دفتر العملاء' },
    description: { en: 'Contacts and deals.', ar: 'جهات الاتصال والصفقات' },
    pricing: { model: 'subscription', interval: 'month', amount: 4900, currency: 'SAR' },
  });
  await publish(sahl, 'sahl.vat', '0.3.0', {
    name: { en: 'VAT returns', ar: 'الإقرارات الضريبية' },
    description: { en: 'Files VAT returns with ZATCA.', ar: 'تقديم إقرارات ضريبة القيمة المضافة' },
    pricing: { model: 'one_time', amount: 19900, currency: 'SAR' },
  });

  const search = async (query: string) => (await call(reg.url, 'GET', `v1/packages?${query}`)).body as { total: number; items: Array<{ id: string; version: string }> };
  t.same((await search('q=deals')).items.map((i) => i.id), ['acme.crm'], 'English text');
  t.same((await search(`q=${encodeURIComponent('الصفقات')}`)).items.map((i) => i.id), ['acme.crm'], 'Arabic text');
  t.same((await search(`q=${encodeURIComponent('الاقرارات')}`)).items.map((i) => i.id), ['sahl.vat'], 'Arabic without hamza finds the word with it');
  t.same((await search('category=crm')).items.map((i) => i.id), ['acme.crm']);
  t.same((await search('pricing=free')).items.map((i) => i.id), ['acme.reminders']);
  t.same((await search('pricing=one_time,subscription&maxPrice=5000')).items.map((i) => i.id), ['acme.crm']);
  t.same((await search('publisher=sahl')).items.map((i) => i.id), ['sahl.vat']);
  const page1 = await search('perPage=2&page=1');
  const page2 = await search('perPage=2&page=2');
  t.equal(page1.total, 3);
  t.equal(page1.items.length + page2.items.length, 3);
  t.equal((await search('q=reminders')).items[0]!.version, '1.1.0', 'latest ignores the prerelease');
  t.equal((await call(reg.url, 'GET', 'v1/packages?perPage=1000')).body.code, 'VALIDATION_FAILED');
  t.equal((await call(reg.url, 'GET', 'v1/packages?category=weapons')).status, 400);

  const resolve = async (range: string) => (await call(reg.url, 'GET', `v1/packages/acme.reminders/resolve?range=${encodeURIComponent(range)}`)).body;
  t.equal((await resolve('^1.0.0')).version, '1.1.0');
  t.equal((await resolve('next')).version, '2.0.0-beta.1');

  const yank = await call(reg.url, 'POST', 'v1/packages/acme.reminders/versions/1.1.0/yank', acme.token, { reason: 'corrupts data' });
  t.equal(yank.status, 200);
  t.equal((await resolve('^1.0.0')).version, '1.0.0', 'a yanked version is never chosen for new installs');
  t.equal((await resolve('latest')).version, '1.0.0', 'latest moved back');
  const download = await fetch(new URL('v1/packages/acme.reminders/versions/1.1.0/tarball', reg.url));
  t.equal(download.status, 200, 'the yanked version is still downloadable by exact version');
  t.equal((await resolve('~1.1.0')).code, 'NO_MATCHING_VERSION');
  t.equal((await resolve('not a range')).code, 'RANGE_INVALID');
  const republish = await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', await signedRelease(acme.keys, manifestFor('acme.reminders', '1.1.0')));
  t.equal(republish.body.code, 'VERSION_EXISTS', 'a yanked version number is never reused');

  const dep = await call(reg.url, 'POST', 'v1/packages/acme.reminders/versions/1.0.0/deprecate', acme.token, { message: 'use 2.x' });
  t.match(dep.body, { deprecated: 'use 2.x', yanked: false });
  t.equal((await call(reg.url, 'POST', 'v1/packages/acme.reminders/versions/1.0.0/deprecate', sahl.token, { message: 'x' })).body.code, 'PUBLISH_FORBIDDEN');
  t.equal((await call(reg.url, 'PUT', 'v1/packages/acme.reminders/dist-tags/stable', acme.token, { version: '1.0.0' })).status, 200);
  t.equal((await call(reg.url, 'PUT', 'v1/packages/acme.reminders/dist-tags/%5E1.0.0', acme.token, { version: '1.0.0' })).body.code, 'DIST_TAG_INVALID');
  t.match((await call(reg.url, 'GET', 'v1/packages/acme.reminders')).body, { distTags: { latest: '1.0.0', next: '2.0.0-beta.1', stable: '1.0.0' } });

  t.equal((await call(reg.url, 'POST', 'v1/admin/publishers/acme/verified', TEST_REGISTRY_ADMIN_TOKEN, { verified: true })).status, 200);
  t.match((await search('publisher=acme')).items[0], { publisher: { name: 'acme', verified: true } });
  t.equal((await call(reg.url, 'POST', 'v1/admin/publishers/acme/verified', acme.token, { verified: true })).body.code, 'ADMIN_TOKEN_INVALID');
  t.equal((await call(reg.url, 'POST', 'v1/admin/publishers', TEST_REGISTRY_ADMIN_TOKEN, { name: 'acme' })).body.code, 'PUBLISHER_EXISTS');
  t.equal((await call(reg.url, 'POST', 'v1/admin/publishers', TEST_REGISTRY_ADMIN_TOKEN, { name: 'Bad Name' })).body.code, 'PUBLISHER_NAME_INVALID');
  for (const reserved of ['billing', 'tenant', 'platform']) {
    const refused = await call(reg.url, 'POST', 'v1/admin/publishers', TEST_REGISTRY_ADMIN_TOKEN, { name: reserved });
    t.match(refused, { status: 400, body: { code: 'PUBLISHER_NAME_RESERVED', detail: new RegExp(`"${reserved}" is reserved`) } }, `publisher name "${reserved}" is the platform's`);
  }
  t.equal((await call(reg.url, 'POST', 'v1/publishers/me/keys', acme.token, { publicKey: 'nope' })).body.code, 'KEY_INVALID');
});
