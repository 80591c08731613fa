import t from 'tap';
import { withEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { spawnDogan } from '../helpers/spawn-dogan.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { call, demoKeyOf, UNKNOWN_KEY, waitFor, type Answer } from './helpers.js';

/**
 * The platform as `npm start` runs it, on PostgreSQL reached through a proxy the test can cut: a
 * database that fails over, restarts or drops connections. While it cannot answer, no request is
 * authenticated (not an unknown key, not a key cached a moment ago), every tenant and admin request
 * is a 503 problem with Retry-After, and nothing is logged as a key used on another tenant; once it
 * answers again the platform serves by itself.
 */

const NOTES = '/api/v1/demo/apps/dogan.notes/notes';

function is503Problem(a: Answer): boolean {
  return a.status === 503 && a.type.startsWith('application/problem+json') && a.retryAfter !== null && typeof a.body === 'object' && a.body.code === 'SERVICE_UNAVAILABLE';
}

await withEngine(t, 'a control-plane outage refuses every request with 503 and recovers by itself', 'postgresql', async (t, engine) => {
  const target = new URL(engine.env.DATABASE_URL!);
  const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  t.teardown(() => proxy.close());
  const dogan = await spawnDogan(['start', '--demo'], {
    ...engine.env,
    DATABASE_URL: proxy.url(engine.env.DATABASE_URL!),
    DOGAN_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    LOG_LEVEL: 'info',
  });
  t.teardown(async () => {
    dogan.child.kill('SIGKILL');
    await dogan.exited;
  });
  const base = dogan.url;
  const demoKey = await demoKeyOf(dogan);

  // Before: the demo key works, an unknown key does not, and a second key exists that no request used yet.
  t.equal((await call(base, 'GET', '/api/v1/tenant/info', { key: demoKey })).status, 200);
  t.equal((await call(base, 'POST', NOTES, { key: demoKey, body: { text: 'before the outage' } })).status, 201);
  t.equal((await call(base, 'GET', '/api/v1/tenant/info', { key: UNKNOWN_KEY })).status, 401);
  const fresh = await call(base, 'POST', '/api/v1/demo/api-keys', { key: demoKey, body: { name: 'unused until the outage' } });
  t.equal(fresh.status, 201);
  const freshKey = (fresh.body as { key: string }).key;
  // A second tenant with the same module: refused like the first during the outage, and never sees its notes.
  t.equal((await call(base, 'POST', '/api/admin/tenants', { key: TEST_ADMIN_TOKEN, body: { name: 'Other Co', subdomain: 'other-co' } })).status, 201);
  const otherKey = ((await call(base, 'POST', '/api/admin/tenants/other-co/api-keys', { key: TEST_ADMIN_TOKEN, body: { name: 'outage', scopes: ['read', 'write', 'admin'] } })).body as { key: string }).key;
  t.equal((await call(base, 'POST', '/api/v1/other-co/modules/dogan.notes/install', { key: otherKey, body: { grants: ['notes-storage'] } })).status, 201);
  const OTHER_NOTES = '/api/v1/other-co/apps/dogan.notes/notes';

  const probes = (key: string) => [
    () => call(base, 'GET', '/api/v1/tenant/info', { key }),
    () => call(base, 'GET', '/api/v1/demo/settings/locale', { key }),
    () => call(base, 'POST', NOTES, { key, body: { text: `written during the outage with ${key.slice(0, 16)}` } }),
    () => call(base, 'GET', NOTES, { key }),
  ];
  const outageRound = async () => {
    const answers: Answer[] = [];
    for (const key of [UNKNOWN_KEY, demoKey, freshKey]) for (const probe of probes(key)) answers.push(await probe());
    answers.push(await call(base, 'GET', OTHER_NOTES, { key: otherKey }));
    answers.push(await call(base, 'POST', OTHER_NOTES, { key: otherKey, body: { text: 'written during the outage by the other tenant' } }));
    answers.push(await call(base, 'GET', '/api/admin/tenants', { key: TEST_ADMIN_TOKEN }));
    return answers;
  };

  for (const mode of ['reset', 'blackhole'] as const) {
    proxy.cut(mode);
    // At once, before the heartbeat notices: the checks themselves must refuse, not pass.
    const early = await outageRound();
    const notRefused = early.filter((a) => !is503Problem(a));
    t.same(notRefused, [], `${mode}: every request right after the cut is a 503 problem with Retry-After`);
    if (notRefused.length) t.comment(dogan.output().split('\n').filter((l) => /"level":50/.test(l)).slice(-3).join('\n'));
    t.ok(await waitFor(async () => (await call(base, 'GET', '/ready')).status === 503, 15_000), `${mode}: /ready goes 503`);
    const later = await outageRound();
    t.same(later.filter((a) => !is503Problem(a)), [], `${mode}: every request while it is down is a 503 problem with Retry-After`);
    t.equal(later.filter((a) => a.status < 300).length + early.filter((a) => a.status < 300).length, 0, `${mode}: 0 requests authenticated`);

    proxy.restore();
    t.ok(await waitFor(async () => (await call(base, 'GET', '/ready')).status === 200, 20_000), `${mode}: /ready comes back by itself`);
    t.ok(await waitFor(async () => (await call(base, 'GET', '/api/v1/tenant/info', { key: demoKey })).status === 200, 10_000), `${mode}: the demo key works again`);
    t.equal((await call(base, 'GET', '/api/v1/tenant/info', { key: freshKey })).status, 200);
    t.equal((await call(base, 'POST', NOTES, { key: demoKey, body: { text: `after the ${mode} outage` } })).status, 201);
    t.equal((await call(base, 'GET', '/api/v1/tenant/info', { key: UNKNOWN_KEY })).status, 401, 'an unknown key is refused as before');
  }

  // Nothing written during the outage was stored; what was acknowledged before and after is there.
  const notes = await call(base, 'GET', NOTES, { key: demoKey });
  const texts = ((notes.body as { notes?: Array<{ text: string }> }).notes ?? []).map((n) => n.text);
  t.same(texts.filter((x) => x.includes('during the outage')), [], 'no write during the outage was stored');
  t.ok(texts.includes('before the outage') && texts.includes('after the reset outage') && texts.includes('after the blackhole outage'));
  const theirs = await call(base, 'GET', OTHER_NOTES, { key: otherKey });
  t.same(theirs.body, { notes: [] }, "the other tenant works again, with none of the demo tenant's notes and nothing from the outage");
  t.notMatch(dogan.output(), /api_key_tenant_mismatch/, 'no false "key used on another tenant" warnings');
});
