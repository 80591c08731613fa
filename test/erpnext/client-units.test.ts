/**
 * The client's pure parts, without a site: filter validation, Retry-After and backoff, reading
 * Frappe's error bodies, the request limiter, the multipart body upload_file reads, routes, and
 * the checks made before anything is sent.
 */
import t from 'tap';
import { backoffDelay, FILTER_OPERATORS, FrappeClient, parseRetryAfter, RequestLimiter, siteOrigin, validateFilters } from '@dogan/plugin-erpnext/client';
import { ErpnextErrors } from '../../plugins/erpnext/src/errors.js';
import { errorFromReply } from '../../plugins/erpnext/src/client/error-map.js';
import { readFault, stripHtml } from '../../plugins/erpnext/src/client/frappe-reply.js';
import { multipartBody } from '../../plugins/erpnext/src/client/multipart.js';
import { Routes } from '../../plugins/erpnext/src/client/routes.js';

t.test('validateFilters takes both of Frappe\'s forms and every operator it knows, lower-casing them', async (t) => {
  t.same(validateFilters(undefined), []);
  t.same(validateFilters([['status', '=', 'Open'], ['ToDo', 'priority', 'IN', ['High', 'Medium']]]), [
    ['status', '=', 'Open'],
    ['ToDo', 'priority', 'in', ['High', 'Medium']],
  ]);
  t.same(validateFilters({ status: 'Open', date: ['Between', ['2024-01-01', '2024-12-31']], description: ['like', '%x%'] }), {
    status: 'Open',
    date: ['between', ['2024-01-01', '2024-12-31']],
    description: ['like', '%x%'],
  });
  t.same(validateFilters([['reference_name', 'is', 'set']]), [['reference_name', 'is', 'set']]);
  t.same(validateFilters([['`tabSales Order Item`.item_code', '=', 'X']]), [['`tabSales Order Item`.item_code', '=', 'X']]);
  const values: Record<string, unknown> = { in: ['a'], 'not in': 'a,b', between: [1, 2], is: 'not set', timespan: 'last week', previous: '1 week', next: '1 month' };
  for (const op of FILTER_OPERATORS) validateFilters([['name', op, values[op] ?? 'x']]);
});

t.test('validateFilters refuses unknown operators, SQL in field names and values an operator cannot use', async (t) => {
  const bad: unknown[] = [
    'status = 1',
    [['status', '~', 'x']],
    [['status', 'regexp', 'x']],
    [['name; drop table', '=', 1]],
    [["name'", '=', 1]],
    [['count(name)', '>', 1]],
    [['status', '=']],
    [['status', '=', { $gt: 1 }]],
    [['status', 'in', [{ a: 1 }]]],
    [['status', 'between', [1]]],
    [['status', 'is', 'maybe']],
    [['status', 'like', 3]],
    ['status'],
    { status: ['Open', 'Closed'] },
    { 'a,b': 1 },
    new Date(),
    Array.from({ length: 101 }, () => ['name', '=', 'x']),
  ];
  for (const f of bad) {
    const err = t.throws(() => validateFilters(f)) as unknown;
    t.ok(ErpnextErrors.ERPNEXT_FILTER_INVALID.is(err), JSON.stringify(f)?.slice(0, 60));
    t.equal((err as { statusCode: number }).statusCode, 400);
  }
});

t.test('Retry-After is read as seconds or as an HTTP date; backoff doubles, is capped and jittered', async (t) => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  t.equal(parseRetryAfter('7', now), 7);
  t.equal(parseRetryAfter(['3'], now), 3);
  t.equal(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now), 30);
  t.equal(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now), 0);
  t.equal(parseRetryAfter('soon', now), undefined);
  t.equal(parseRetryAfter(undefined, now), undefined);
  t.equal(backoffDelay(1, 250, 10_000, () => 0), 125);
  t.equal(backoffDelay(1, 250, 10_000, () => 1), 250);
  t.equal(backoffDelay(3, 250, 10_000, () => 1), 1000);
  t.equal(backoffDelay(20, 250, 10_000, () => 1), 10_000);
});

t.test('Frappe error bodies: _server_messages decoded twice, HTML stripped, exception prefixes cut, v2 errors read', async (t) => {
  const v1 = {
    exc_type: 'MandatoryError',
    exception: 'frappe.exceptions.MandatoryError: [ToDo, x]: description',
    _server_messages: JSON.stringify([JSON.stringify({ message: 'Error: Value missing for <b>ToDo</b>: <strong>Description</strong>', raise_exception: 1 })]),
  };
  t.same(readFault(v1), { excType: 'MandatoryError', messages: ['Error: Value missing for ToDo: Description', '[ToDo, x]: description'] });
  t.same(readFault({ exception: 'frappe.exceptions.ValidationError: Nope &amp; no' }), { excType: 'ValidationError', messages: ['Nope & no'] });
  t.same(readFault({ errors: [{ type: 'DoesNotExistError', message: 'ToDo abc not found' }] }), { excType: 'DoesNotExistError', messages: ['ToDo abc not found'] });
  t.same(readFault('<html>Bad gateway</html>'), { messages: [] });
  t.equal(stripHtml('a<br>b <a href="/app/todo/1">ToDo 1</a>'), 'a b ToDo 1');
});

t.test('error mapping: the exception named wins over the status, a proxy page is not Frappe, the secret never survives', async (t) => {
  const ctx = { baseUrl: 'https://erp.example.com', apiSecret: 'sek-ret-123', authProbe: false };
  const said = (type: string, message: string) => ({ exc_type: type, _server_messages: JSON.stringify([JSON.stringify({ message })]) });
  const cases: Array<[number, unknown, keyof typeof ErpnextErrors]> = [
    [417, said('ValidationError', 'bad'), 'ERPNEXT_VALIDATION'],
    [417, said('MandatoryError', 'missing'), 'ERPNEXT_VALIDATION'],
    [417, said('TimestampMismatchError', 'Document has been modified after you have opened it'), 'ERPNEXT_TIMESTAMP_MISMATCH'],
    [404, said('DoesNotExistError', 'ToDo x not found'), 'ERPNEXT_NOT_FOUND'],
    [409, said('DuplicateEntryError', 'Duplicate name'), 'ERPNEXT_DUPLICATE'],
    [403, said('PermissionError', 'No permission for ToDo'), 'ERPNEXT_PERMISSION_DENIED'],
    [401, { exc_type: 'AuthenticationError' }, 'ERPNEXT_CREDENTIALS_REFUSED'],
    [500, said('ZeroDivisionError', 'oops'), 'ERPNEXT_SERVER_ERROR'],
    [502, '<html>502 Bad Gateway</html>', 'ERPNEXT_SERVER_ERROR'],
    [429, 'Too Many Requests', 'ERPNEXT_RATE_LIMITED'],
    [404, '<html>Not Found</html>', 'ERPNEXT_NOT_FRAPPE'],
  ];
  for (const [status, body, code] of cases) t.equal(errorFromReply(status, body, ctx).code, code, `${status} ${JSON.stringify(body).slice(0, 50)}`);
  t.equal(errorFromReply(403, said('PermissionError', 'Not permitted'), { ...ctx, authProbe: true }).code, 'ERPNEXT_CREDENTIALS_REFUSED');
  const err = errorFromReply(417, said('ValidationError', 'key sek-ret-123 is wrong'), ctx);
  t.equal(err.message, 'ERPNext: key [redacted] is wrong');
  t.same(err.extensions, { excType: 'ValidationError', serverMessages: ['key [redacted] is wrong'], upstreamStatus: 417 });
});

t.test('the limiter bounds requests in flight, queues in order, and refuses past its queue', async (t) => {
  const limiter = new RequestLimiter({ maxConcurrent: 1, perSecond: 1000, maxQueue: 1 });
  const first = await limiter.acquire();
  const order: string[] = [];
  const second = limiter.acquire().then((release) => (order.push('second'), release));
  const refused = await limiter.acquire().catch((e: unknown) => e);
  t.ok(ErpnextErrors.ERPNEXT_TOO_MANY_REQUESTS.is(refused));
  t.equal((refused as { statusCode: number }).statusCode, 429);
  t.type((refused as { extensions: { retryAfterSeconds: number } }).extensions.retryAfterSeconds, 'number');
  t.same(limiter.stats, { inFlight: 1, waiting: 1 });
  first();
  first(); // twice frees once
  const release = await second;
  t.same(order, ['second']);
  t.same(limiter.stats, { inFlight: 1, waiting: 0 });
  release();
  t.same(limiter.stats, { inFlight: 0, waiting: 0 });
});

t.test('the limiter refuses a caller that waited past maxWaitMs, and one whose signal aborted', async (t) => {
  const limiter = new RequestLimiter({ maxConcurrent: 1, perSecond: 1000, maxWaitMs: 5 });
  const held = await limiter.acquire();
  t.ok(ErpnextErrors.ERPNEXT_TOO_MANY_REQUESTS.is(await limiter.acquire().catch((e: unknown) => e)));
  const controller = new AbortController();
  const waiting = limiter.acquire(controller.signal).catch((e: unknown) => e);
  controller.abort(new Error('gone'));
  t.equal(((await waiting) as Error).message, 'gone');
  held();
  t.same(limiter.stats, { inFlight: 0, waiting: 0 });
});

t.test('the limiter\'s token bucket lets a burst of perSecond through, then makes the next one wait for a token', async (t) => {
  const limiter = new RequestLimiter({ maxConcurrent: 10, perSecond: 2 });
  (await limiter.acquire())();
  (await limiter.acquire())();
  let third = false;
  const pending = limiter.acquire().then((release) => ((third = true), release));
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(third, false, 'no token left: the third waits');
  (await pending)();
  t.equal(third, true);
});

t.test('site origins: scheme and host only', async (t) => {
  t.equal(siteOrigin('https://erp.example.com/'), 'https://erp.example.com');
  for (const bad of ['ftp://erp.example.com', 'https://u:p@erp.example.com', 'https://erp.example.com/app', 'https://erp.example.com?x=1', 'erp.example.com']) {
    t.ok(ErpnextErrors.ERPNEXT_URL_INVALID.is(t.throws(() => siteOrigin(bad)) as unknown), bad);
  }
});

t.test('multipart bodies escape quotes and line breaks in names', async (t) => {
  const { body, contentType } = multipartBody({ is_private: '1' }, { field: 'file', filename: 'a"b\r\n.txt', contentType: 'text/plain', content: Buffer.from('hello') });
  const boundary = contentType.split('boundary=')[1]!;
  const text = body.toString('utf8');
  t.match(text, `--${boundary}\r\nContent-Disposition: form-data; name="is_private"\r\n\r\n1\r\n`);
  t.match(text, 'filename="a%22b%0D%0A.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n');
  t.ok(text.endsWith(`--${boundary}--\r\n`));
});

t.test('routes per dialect; names are escaped so they stay one path segment', async (t) => {
  const v1 = new Routes('v1');
  const v2 = new Routes('v2');
  t.equal(v1.document('Sales Order', 'SAL-ORD-2025-00001'), '/api/resource/Sales%20Order/SAL-ORD-2025-00001');
  t.equal(v1.document('ToDo', 'a/b?c#d'), '/api/resource/ToDo/a%2Fb%3Fc%23d');
  t.equal(v1.document('ToDo', '..'), '/api/resource/ToDo/%2E%2E');
  t.equal(v2.document('ToDo', 'x'), '/api/v2/document/ToDo/x');
  t.equal(v1.method('frappe.client.get_count'), '/api/method/frappe.client.get_count');
  t.equal(v2.method('upload_file'), '/api/v2/method/upload_file');
  t.equal(v2.count('Sales Invoice'), '/api/v2/doctype/Sales%20Invoice/count');
  t.ok(ErpnextErrors.ERPNEXT_DOCTYPE_INVALID.is(t.throws(() => v1.collection('../User')) as unknown));
  t.ok(ErpnextErrors.ERPNEXT_REQUEST_INVALID.is(t.throws(() => v1.method('frappe.client/../x')) as unknown));
  t.ok(ErpnextErrors.ERPNEXT_REQUEST_INVALID.is(t.throws(() => v1.document('ToDo', '')) as unknown));
});

t.test('bad queries are refused before anything is sent (ERPNEXT_REQUEST_INVALID, 400)', async (t) => {
  const c = new FrappeClient({ baseUrl: 'http://127.0.0.1:9', apiKey: 'k', apiSecret: 's' });
  const refused = async (p: Promise<unknown>) => {
    const err = await p.catch((e: unknown) => e);
    t.ok(ErpnextErrors.ERPNEXT_REQUEST_INVALID.is(err), String((err as Error).message));
    t.equal((err as { statusCode: number }).statusCode, 400);
  };
  await refused(c.list('ToDo', { limitPageLength: -1 }));
  await refused(c.list('ToDo', { orderBy: 'name; drop table x' }));
  await refused(c.list('ToDo', { fields: [''] }));
  await refused(c.uploadFile({ filename: '../etc/passwd', content: Buffer.alloc(0) }));
  await refused((async () => {
    for await (const _ of c.listAll('ToDo', { pageSize: 0 })) break;
  })());
});
