/**
 * What the client does when the network or the server misbehaves below Frappe's level: refused and
 * reset connections, a server that never answers, answers too large, answers that are not Frappe's.
 * Plain loopback servers stand in for the site, since these failures are below what a Frappe
 * simulator models. No assertion depends on how long anything took.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { FrappeClient, freshConnectionAgent, type FrappeClientOptions, type RequestInfo } from '@dogan/plugin-erpnext/client';
import { ErpnextErrors } from '../../plugins/erpnext/src/errors.js';

const SECRET = 'netsecret9876';

async function serve(t: Test, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())).then(() => undefined));
  t.teardown(() => server.closeAllConnections());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(baseUrl: string, infos: RequestInfo[], extra: Partial<FrappeClientOptions> = {}): FrappeClient {
  return new FrappeClient({ baseUrl, apiKey: 'netkey', apiSecret: SECRET, retry: { baseDelayMs: 1, maxDelayMs: 5 }, onRequest: (i) => infos.push(i), ...extra });
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string; extensions?: Record<string, unknown> }> {
  try {
    await p;
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected a failure');
}

t.test('a refused connection is retried for any method (nothing ran), then ERPNEXT_UNREACHABLE', async (t) => {
  const url = await serve(t, () => undefined);
  const port = new URL(url).port;
  // Bind and release a port so nothing listens on it.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const free = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  t.not(String(free), port);
  const infos: RequestInfo[] = [];
  const c = client(`http://127.0.0.1:${free}`, infos);
  const err = await failure(c.create('ToDo', { description: 'x' }));
  t.equal(err.code, 'ERPNEXT_UNREACHABLE');
  t.match(err.message, /connection refused: ECONNREFUSED/);
  t.same(infos.map((i) => [i.attempt, i.status, i.error]), [1, 2, 3, 4].map((n) => [n, null, 'ECONNREFUSED']));
  t.same(err.extensions, { excType: null, serverMessages: [], upstreamStatus: null, failure: 'ECONNREFUSED' });
});

t.test('a connection reset is retried for GET, never for POST', async (t) => {
  let seen = 0;
  const url = await serve(t, (req) => {
    seen++;
    req.socket.destroy();
  });
  const infos: RequestInfo[] = [];
  const c = client(url, infos);
  t.equal((await failure(c.get('ToDo', 'x'))).code, 'ERPNEXT_UNREACHABLE');
  t.equal(seen, 4);
  seen = 0;
  t.equal((await failure(c.create('ToDo', { description: 'x' }))).code, 'ERPNEXT_UNREACHABLE');
  t.equal(seen, 1, 'a create that may have run is not sent twice');
  t.equal((await failure(c.call('frappe.client.get_count', { doctype: 'ToDo' }, { safe: true }))).code, 'ERPNEXT_UNREACHABLE');
  t.equal(seen, 5, 'a POST method marked safe is retried');
});

t.test('a site that does not answer in time is ERPNEXT_TIMEOUT, not retried', async (t) => {
  let seen = 0;
  const url = await serve(t, () => {
    seen++; // never answers
  });
  const infos: RequestInfo[] = [];
  const err = await failure(client(url, infos, { timeoutMs: 100 }).get('ToDo', 'x'));
  t.equal(err.code, 'ERPNEXT_TIMEOUT');
  t.match(err.message, /did not answer within 100 ms/);
  t.equal(seen, 1);
  t.same(infos.map((i) => i.error), ['timeout']);
});

t.test('the deadline covers the body too: a trickling answer times out', async (t) => {
  const url = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"data":');
    // ...and nothing more.
  });
  t.equal((await failure(client(url, [], { timeoutMs: 100 }).get('ToDo', 'x'))).code, 'ERPNEXT_TIMEOUT');
});

t.test('answers over maxResponseBytes are refused, declared or streamed', async (t) => {
  const big = JSON.stringify({ data: { name: 'x', description: 'x'.repeat(4096) } });
  const url = await serve(t, (req, res) => {
    if (req.url?.includes('declared')) res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(big) }).end(big);
    else {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(big.slice(0, 2000));
      res.end(big.slice(2000));
    }
  });
  const c = client(url, [], { maxResponseBytes: 1024 });
  for (const name of ['declared', 'streamed']) {
    const err = await failure(c.get('ToDo', name));
    t.equal(err.code, 'ERPNEXT_RESPONSE_TOO_LARGE', name);
    t.match(err.message, /more than 1024 bytes/);
  }
  t.equal((await client(url, [], { maxResponseBytes: 10_000 }).get<{ description: string }>('ToDo', 'declared')).description.length, 4096);
});

t.test('answers that are not Frappe\'s are ERPNEXT_NOT_FRAPPE: HTML, JSON without data, a redirect, a foreign 404', async (t) => {
  const url = await serve(t, (req, res) => {
    const path = req.url ?? '';
    if (path.includes('html')) res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Welcome to nginx</body></html>');
    else if (path.includes('nodata')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    else if (path.includes('moved')) res.writeHead(301, { location: 'https://erp.example.com/api/resource/ToDo/moved' }).end();
    else if (path.includes('list')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"not":"a list"}}');
    else if (path.includes('method')) res.writeHead(200, { 'content-type': 'application/json' }).end('{"result":1}');
    else res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
  });
  const c = client(url, []);
  const cases: Array<[string, Promise<unknown>, RegExp]> = [
    ['html', c.get('ToDo', 'html'), /text\/html instead of JSON/],
    ['nodata', c.get('ToDo', 'nodata'), /JSON without "data"/],
    ['moved', c.get('ToDo', 'moved'), /redirect to https:\/\/erp\.example\.com/],
    ['list', c.list('list'), /other than a list/],
    ['method', c.call('some.method'), /JSON without "message"/],
    ['404', c.get('ToDo', 'elsewhere'), /HTTP 404 with a body that is not Frappe's JSON/],
  ];
  for (const [name, p, reason] of cases) {
    const err = await failure(p);
    t.equal(err.code, 'ERPNEXT_NOT_FRAPPE', name);
    t.match(err.message, reason, name);
    t.match(err.message, /check the base URL/, name);
  }
});

t.test('a method that returned None answers {} and that is not an error', async (t) => {
  const url = await serve(t, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  t.equal(await client(url, []).call('frappe.client.delete', { doctype: 'ToDo', name: 'x' }), undefined);
});

t.test('a fresh-connection agent opens one connection per request', async (t) => {
  let connections = 0;
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"message":"pong"}'));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const agent = freshConnectionAgent();
  t.teardown(() => agent.close());
  const c = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, [], { dispatcher: agent });
  for (let i = 0; i < 3; i++) t.equal(await c.call('frappe.ping', {}, { httpMethod: 'GET' }), 'pong');
  t.equal(connections, 3);
});

t.test('bad credentials and base URLs are refused before anything is sent', async (t) => {
  for (const apiSecret of ['', 'a:b', 'a b', 'a\nb']) {
    const err = t.throws(() => new FrappeClient({ baseUrl: 'https://erp.example.com', apiKey: 'k', apiSecret })) as unknown;
    t.ok(ErpnextErrors.ERPNEXT_CREDENTIALS_REFUSED.is(err));
    if (apiSecret.length > 1) t.notMatch((err as Error).message, apiSecret);
  }
  t.ok(ErpnextErrors.ERPNEXT_URL_INVALID.is(t.throws(() => new FrappeClient({ baseUrl: 'https://erp.example.com/desk', apiKey: 'k', apiSecret: 's' })) as unknown));
});
