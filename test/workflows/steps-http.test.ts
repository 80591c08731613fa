import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { createLogger } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { HttpStep } from '../../plugins/workflows/src/definition/types.js';
import type { StepContext } from '../../plugins/workflows/src/steps/step-executor.js';
import { httpExecutor, type Resolver } from '../../plugins/workflows/src/steps/index.js';

/**
 * The `http` step against a real local server: what it sends (JSON, Idempotency-Key), what it keeps
 * of the answer, how each status and transport failure is classified, the body cap, abort by the
 * attempt's signal; and the SSRF guard, which refuses private addresses before any connection and
 * connects to the address it checked without asking DNS again.
 */

const log = createLogger({ LOG_LEVEL: 'silent' });

function context(overrides: Partial<StepContext> = {}): StepContext {
  return { tenant: { id: 'tenant-1' } as Tenant, workflowId: 'wf-1', runId: 'run-1', stepKey: 'call', attempt: 1, idempotencyKey: 'run-1:call:1', state: null, signal: new AbortController().signal, log, ...overrides };
}

function step(url: string, extra: Partial<HttpStep> = {}): HttpStep {
  return { id: 'call', type: 'http', method: 'GET', url, ...extra };
}

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function startServer(t: Test, handle: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  t.teardown(() => server.closeAllConnections());
  return { server, port: (server.address() as AddressInfo).port, seen };
}

const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(value));
};

t.test('sends JSON with the attempt key and keeps status, a few headers and the parsed body', async (t) => {
  const { port, seen } = await startServer(t, (req, res, body) => json(res, 201, { received: JSON.parse(body) }, { etag: '"v1"', 'x-request-id': 'abc', 'x-internal': 'no' }));
  const http = httpExecutor({ allowPrivateNetworks: true });
  const outcome = await http.perform(
    step(`http://127.0.0.1:${port}/orders?x=1`, { method: 'POST', body: { total: 42, lines: ['a'] }, headers: { 'X-Trace': 't-1', 'X-Count': 3 as unknown as string, 'Idempotency-Key': 'theirs', Host: 'evil.example' } }),
    context(),
  );
  t.same(outcome, { kind: 'done', output: { status: 201, headers: { 'content-type': 'application/json; charset=utf-8', etag: '"v1"', 'x-request-id': 'abc' }, body: { received: { total: 42, lines: ['a'] } } } });
  t.equal(seen.length, 1);
  t.match(seen[0], { method: 'POST', url: '/orders?x=1', headers: { 'idempotency-key': 'run-1:call:1', 'content-type': 'application/json', 'x-trace': 't-1', 'x-count': '3', host: `127.0.0.1:${port}` } });
  t.equal(seen[0]!.body, '{"total":42,"lines":["a"]}');
});

t.test('text answers stay text, empty ones are null, text bodies with their own type go as they are', async (t) => {
  const { port, seen } = await startServer(t, (req, res) => {
    if (req.url === '/empty') return void res.writeHead(204).end();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('plain words');
  });
  const http = httpExecutor({ allowPrivateNetworks: true });
  t.match(await http.perform(step(`http://127.0.0.1:${port}/text`, { method: 'PUT', body: 'a=1&b=2', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), context()), { kind: 'done', output: { status: 200, body: 'plain words' } });
  t.equal(seen[0]!.body, 'a=1&b=2');
  t.match(await http.perform(step(`http://127.0.0.1:${port}/empty`, { method: 'DELETE' }), context()), { kind: 'done', output: { status: 204, body: null } });
});

t.test('statuses: 408, 429 and 5xx are retryable; other 4xx and redirects are final, and redirects are not followed', async (t) => {
  const { port, seen } = await startServer(t, (req, res) => {
    const status = Number(req.url!.slice(1));
    if (status === 302) return void res.writeHead(302, { location: `http://127.0.0.1:${port}/200` }).end();
    json(res, status, { error: `status ${status}` }, status === 429 ? { 'retry-after': '7' } : {});
  });
  const http = httpExecutor({ allowPrivateNetworks: true });
  for (const [status, retryable] of [
    [500, true],
    [503, true],
    [408, true],
    [429, true],
    [400, false],
    [404, false],
    [422, false],
  ] as const) {
    await t.rejects(http.perform(step(`http://127.0.0.1:${port}/${status}`), context()), { name: 'StepFailure', code: 'WORKFLOW_HTTP_FAILED', retryable, details: { status } }, `${status}`);
  }
  await t.rejects(http.perform(step(`http://127.0.0.1:${port}/429`), context()), { code: 'WORKFLOW_HTTP_FAILED', details: { retryAfter: '7', body: '{"error":"status 429"}' } }, 'Retry-After and the start of the body are kept');
  const before = seen.length;
  await t.rejects(http.perform(step(`http://127.0.0.1:${port}/302`), context()), { code: 'WORKFLOW_HTTP_FAILED', retryable: false, details: { status: 302, location: `http://127.0.0.1:${port}/200` } });
  t.equal(seen.length, before + 1, 'the redirect target was not asked');
});

t.test('an answer larger than the cap fails the step, with or without a declared length', async (t) => {
  const big = 'x'.repeat(70_000);
  const { port } = await startServer(t, (req, res) => {
    if (req.url === '/declared') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(big.length) });
      return void res.end(big);
    }
    // Chunked: no length to check first, so the cap is met while reading.
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < 10; i++) res.write(big.slice(0, 7_000));
    res.end();
  });
  const http = httpExecutor({ allowPrivateNetworks: true, maxResponseBytes: 64 * 1024 });
  await t.rejects(http.perform(step(`http://127.0.0.1:${port}/declared`), context()), { code: 'WORKFLOW_HTTP_RESPONSE_TOO_LARGE', retryable: false });
  await t.rejects(http.perform(step(`http://127.0.0.1:${port}/chunked`), context()), { code: 'WORKFLOW_HTTP_RESPONSE_TOO_LARGE', retryable: false });
  const within = httpExecutor({ allowPrivateNetworks: true });
  t.match(await within.perform(step(`http://127.0.0.1:${port}/chunked`), context()), { kind: 'done', output: { body: 'x'.repeat(70_000) } }, 'the default cap (1 MiB) reads it');
});

t.test("the attempt's signal ends a request that gets no answer, with the signal's reason", async (t) => {
  let arrived!: () => void;
  const arrival = new Promise<void>((resolve) => (arrived = resolve));
  const { port } = await startServer(t, () => arrived());
  const controller = new AbortController();
  const http = httpExecutor({ allowPrivateNetworks: true });
  const pending = http.perform(step(`http://127.0.0.1:${port}/slow`), context({ signal: controller.signal }));
  await arrival;
  const reason = new Error('the step took longer than its timeout');
  controller.abort(reason);
  await t.rejects(pending, reason);
});

t.test('no answer at all is retryable; an invalid URL or header is final', async (t) => {
  const { server, port } = await startServer(t, (_req, res) => res.end());
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const http = httpExecutor({ allowPrivateNetworks: true });
  await t.rejects(http.perform(step(`http://127.0.0.1:${port}/`), context()), { code: 'WORKFLOW_HTTP_FAILED', retryable: true, details: { cause: 'ECONNREFUSED' } });
  for (const url of ['ftp://example.com/file', 'file:///etc/passwd', 'https://user:secret@example.com/', 'not a url']) {
    await t.rejects(http.perform(step(url), context()), { code: 'WORKFLOW_HTTP_REQUEST_INVALID', retryable: false }, url);
  }
  await t.rejects(http.perform(step('https://example.com/', { headers: { 'bad header': 'x' } }), context()), { code: 'WORKFLOW_HTTP_REQUEST_INVALID' });
  await t.rejects(http.perform(step('https://example.com/', { headers: { 'x-ok': 'a\r\nInjected: 1' } }), context()), { code: 'WORKFLOW_HTTP_REQUEST_INVALID' });
});

t.test('the guard refuses private, loopback, link-local and reserved addresses before connecting', async (t) => {
  const { port, seen } = await startServer(t, (_req, res) => json(res, 200, {}));
  const lookups: string[] = [];
  const resolve: Resolver = async (host) => {
    lookups.push(host);
    if (host === 'internal.example.test') return [{ address: '10.1.2.3', family: 4 }];
    if (host === 'mixed.example.test') return [{ address: '93.184.216.34', family: 4 }, { address: '127.0.0.1', family: 4 }];
    throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  };
  const http = httpExecutor({ resolve });
  for (const url of [
    `http://127.0.0.1:${port}/`,
    'http://10.0.0.5/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/',
    `http://[::1]:${port}/`,
    'http://[::ffff:127.0.0.1]/',
    'http://0.0.0.0/',
    'http://2130706433/',
    'http://internal.example.test/',
    'http://mixed.example.test/',
  ]) {
    await t.rejects(http.perform(step(url), context()), { code: 'WORKFLOW_HTTP_FORBIDDEN_ADDRESS', retryable: false }, url);
  }
  t.equal(seen.length, 0, 'nothing reached the local server');
  t.same(lookups, ['internal.example.test', 'mixed.example.test'], 'IP literals are checked without DNS');
  await t.rejects(http.perform(step('https://nowhere.example.test/'), context()), { code: 'WORKFLOW_HTTP_FAILED', retryable: true }, 'a name that does not resolve may later');
  await t.rejects(httpExecutor().perform(step(`http://localhost:${port}/`), context()), { code: 'WORKFLOW_HTTP_FORBIDDEN_ADDRESS' }, 'a real DNS answer for localhost is refused');
});

t.test('the connection goes to the address the guard checked: DNS is asked once', async (t) => {
  const { port, seen } = await startServer(t, (_req, res) => json(res, 200, { ok: true }));
  let lookups = 0;
  // Answers loopback to the guard, then something else: a rebinding name. The request must still go to the first answer.
  const resolve: Resolver = async () => (lookups++ === 0 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '192.0.2.1', family: 4 }]);
  const http = httpExecutor({ allowPrivateNetworks: true, resolve });
  t.match(await http.perform(step(`http://api.example.test:${port}/v1`), context()), { kind: 'done', output: { status: 200, body: { ok: true } } });
  t.equal(lookups, 1);
  t.equal(seen[0]!.headers.host, `api.example.test:${port}`, 'the Host header keeps the name');
});
