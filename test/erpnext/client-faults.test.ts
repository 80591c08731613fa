/**
 * Retries, rate limits, gateway errors, timeouts, connection reuse and the tenant limiter, against
 * the simulator's fault injection (skipped on a real site); and that no error or request report
 * ever carries the secret. Retries use 1 ms backoff; no assertion depends on timing.
 */
import { inspect } from 'node:util';
import t from 'tap';
import { freshConnectionAgent, keepAliveAgent, RequestLimiter, type RequestInfo } from '@dogan/plugin-erpnext/client';
import { announceRealSite, eachSite, simulatorOnly } from './contract-site.js';

announceRealSite(t);

type Doc = { name: string; [k: string]: unknown };

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; extensions: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as never;
  }
  throw new Error('expected a failure');
}

eachSite(t, '429 is retried for any method, honouring Retry-After; past the retries it is ERPNEXT_RATE_LIMITED', async (t, site) => {
  if (!simulatorOnly(t, site, 'fault injection')) return;
  const infos: RequestInfo[] = [];
  const c = site.client({ onRequest: (i) => infos.push(i) });
  site.sim.failNext({ times: 1, pathPrefix: '/api/resource/ToDo', status: 429, headers: { 'retry-after': '1' }, body: { exc_type: 'TooManyRequestsError' } });
  const doc = await c.create<Doc>('ToDo', { description: 'after a 429' });
  t.ok(doc.name);
  t.same(infos.map((i) => [i.status, i.retryInMs]), [[429, 1000], [200, undefined]], 'waited what Retry-After asked');

  site.sim.failNext({ times: 4, status: 429, headers: { 'retry-after': '0' } });
  infos.length = 0;
  const err = await failure(c.get('ToDo', doc.name));
  t.equal(err.code, 'ERPNEXT_RATE_LIMITED');
  t.equal(infos.length, 4, 'four attempts in all');
  t.equal(err.extensions.retryAfterSeconds, 0);

  site.sim.failNext({ times: 10, status: 429, headers: { 'retry-after': '3600' } });
  infos.length = 0;
  const later = await failure(c.get('ToDo', doc.name));
  t.equal(later.code, 'ERPNEXT_RATE_LIMITED');
  t.match(later.message, /try again in 3600 seconds/);
  t.equal(infos.length, 1, 'a wait longer than maxDelayMs is not waited');
});

eachSite(t, '502, 503 and 504 are retried for reads and updates, never for a create', async (t, site) => {
  if (!simulatorOnly(t, site, 'fault injection')) return;
  const infos: RequestInfo[] = [];
  const c = site.client({ onRequest: (i) => infos.push(i) });
  const doc = await c.create<Doc>('ToDo', { description: 'gateway' });
  for (const status of [502, 503, 504]) {
    site.sim.failNext({ times: 2, status, headers: { 'content-type': 'text/html' }, body: `<html><body><h1>${status}</h1>nginx</body></html>` });
    infos.length = 0;
    t.equal((await c.get<Doc>('ToDo', doc.name)).name, doc.name);
    t.same(infos.map((i) => i.status), [status, status, 200]);
  }
  site.sim.failNext({ times: 1, status: 503 });
  t.equal((await c.update<Doc>('ToDo', doc.name, { priority: 'Low' })).priority, 'Low', 'PUT is idempotent');

  const before = site.sim.stats.requests;
  site.sim.failNext({ times: 5, status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' });
  const err = await failure(c.create('ToDo', { description: 'not twice' }));
  t.equal(err.code, 'ERPNEXT_SERVER_ERROR');
  t.equal(err.extensions.upstreamStatus, 502);
  t.equal(site.sim.stats.requests - before, 1, 'a create is sent once');

  site.sim.failNext({ times: 5, status: 502 });
  t.equal((await failure(c.get('ToDo', doc.name))).code, 'ERPNEXT_SERVER_ERROR', 'after the retries');
});

eachSite(t, 'a 500 from Frappe is ERPNEXT_SERVER_ERROR at once, in its words', async (t, site) => {
  if (!simulatorOnly(t, site, 'fault injection')) return;
  const infos: RequestInfo[] = [];
  site.sim.failNext({ status: 500, body: { exc_type: 'OperationalError', exception: 'pymysql.err.OperationalError: (2013, \'Lost connection\')' } });
  const err = await failure(site.client({ onRequest: (i) => infos.push(i) }).list('ToDo'));
  t.equal(err.code, 'ERPNEXT_SERVER_ERROR');
  t.equal(err.extensions.excType, 'OperationalError');
  t.match(err.message, /Lost connection/);
  t.equal(infos.length, 1);
});

eachSite(t, 'a dropped connection is retried for a GET, not for a POST; a slow answer is ERPNEXT_TIMEOUT', async (t, site) => {
  if (!simulatorOnly(t, site, 'fault injection')) return;
  const c = site.client();
  site.sim.failNext({ times: 2, status: 0 });
  t.equal(await c.getLoggedUser(), 'Administrator');
  site.sim.failNext({ times: 1, status: 0 });
  t.equal((await failure(c.create('ToDo', { description: 'dropped' }))).code, 'ERPNEXT_UNREACHABLE');
  site.sim.failNext({ times: 1, status: 200, delayMs: 2_000, body: { message: 'late' } });
  const err = await failure(site.client({ timeoutMs: 50 }).getLoggedUser());
  t.equal(err.code, 'ERPNEXT_TIMEOUT');
});

eachSite(t, 'a 403 on get_logged_user means the key was taken as Guest: ERPNEXT_CREDENTIALS_REFUSED', async (t, site) => {
  if (!simulatorOnly(t, site, 'fault injection')) return;
  site.sim.failNext({ status: 403, body: { exc_type: 'PermissionError', _server_messages: JSON.stringify([JSON.stringify({ message: 'Not permitted' })]) } });
  const err = await failure(site.client().getLoggedUser());
  t.equal(err.code, 'ERPNEXT_CREDENTIALS_REFUSED');
  t.match(err.message, /as Guest: Not permitted/);
});

eachSite(t, 'a keep-alive agent reuses one connection; a fresh-connection agent opens one per request', async (t, site) => {
  if (!simulatorOnly(t, site, 'connection counts')) return;
  const doc = await site.client().create<Doc>('ToDo', { description: 'reuse' });
  // One connection per origin makes the count exact: with more, undici's pool may open a second while the first is still handing back.
  const keep = keepAliveAgent({ connections: 1 });
  const fresh = freshConnectionAgent();
  t.teardown(() => Promise.all([keep.close(), fresh.close()]));
  let before = site.sim.stats.connections;
  for (let i = 0; i < 10; i++) await site.client({ dispatcher: keep }).get('ToDo', doc.name);
  t.equal(site.sim.stats.connections - before, 1);
  before = site.sim.stats.connections;
  for (let i = 0; i < 10; i++) await site.client({ dispatcher: fresh }).get('ToDo', doc.name);
  t.equal(site.sim.stats.connections - before, 10);
});

eachSite(t, 'the tenant limiter bounds what reaches the site at once', async (t, site) => {
  if (!simulatorOnly(t, site, 'in-flight counter')) return;
  const doc = await site.client().create<Doc>('ToDo', { description: 'limited' });
  const limiter = new RequestLimiter({ maxConcurrent: 2, perSecond: 1000 });
  const c = site.client({ limiter });
  site.sim.setLatency(20);
  const before = site.sim.stats.maxInFlight;
  t.ok(before <= 1);
  await Promise.all(Array.from({ length: 8 }, () => c.get('ToDo', doc.name)));
  site.sim.setLatency(0);
  t.ok(site.sim.stats.maxInFlight <= 2, `at most 2 in flight (saw ${site.sim.stats.maxInFlight})`);
  t.same(limiter.stats, { inFlight: 0, waiting: 0 });
});

eachSite(t, 'no error, stack, inspection or request report carries the secret or the Authorization header', async (t, site) => {
  const infos: RequestInfo[] = [];
  const secret = site.apiSecret;
  const c = site.client({ onRequest: (i) => infos.push(i) });
  const wrong = site.client({ apiSecret: `${secret}-wrong`, onRequest: (i) => infos.push(i) });
  const errors: unknown[] = [];
  const attempts: Array<Promise<unknown>> = [wrong.getLoggedUser(), c.get('ToDo', 'no-such-todo'), c.create('ToDo', {}), c.update('ToDo', 'no-such-todo', { modified: '2000-01-01' })];
  if (site.sim) {
    site.sim.failNext({ times: 4, pathPrefix: '/api/method/frappe.client.get_count', status: 429, headers: { 'retry-after': '0' } });
    attempts.push(c.count('ToDo'));
  }
  for (const p of attempts) errors.push(await p.catch((e: unknown) => e));
  t.equal(errors.length, attempts.length);
  const text = [
    ...errors.flatMap((e) => [String(e), (e as Error).stack, JSON.stringify(e), JSON.stringify((e as { extensions?: unknown }).extensions), inspect(e, { depth: 8, showHidden: true })]),
    JSON.stringify(infos),
    inspect(c, { depth: 8, showHidden: true }),
  ].join('\n');
  t.notMatch(text, secret);
  t.notMatch(text, /token [^\s:]+:/);
  t.notMatch(text, /authorization/i);
  t.ok(infos.every((i) => !i.path.includes('?')), 'paths carry no query string');
});
