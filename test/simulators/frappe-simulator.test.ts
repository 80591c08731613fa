import { createHmac } from 'node:crypto';
import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { startFrappeSite, type FrappeSite } from './frappe/index.js';
import { dumps, loads, PyDict, PyFloat } from './frappe/python-json.js';

// Self-test of the Frappe simulator: each shape asserted here is the one read in Frappe's source
// (the file/function is named next to it), so the ERPNext connector's tests can trust the simulator.

type Json = Record<string, any>;

interface Call {
  status: number;
  headers: Headers;
  text: string;
  body: Json;
}

function client(site: FrappeSite, auth: Record<string, string> = { Authorization: `token ${site.apiKey}:${site.apiSecret}` }) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Call> => {
    const isJson = body !== undefined && typeof body !== 'string' && !(body instanceof FormData);
    const res = await fetch(site.url + path, {
      method,
      headers: { ...auth, ...(isJson ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : isJson ? JSON.stringify(body) : (body as string | FormData),
    });
    const text = await res.text();
    let parsed: Json = {};
    try {
      parsed = JSON.parse(text);
    } catch {
      // HTML pages
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };
}

/** `_server_messages`: a JSON string of a list of JSON strings (utils/response.py _make_logs_v1). */
const serverMessages = (body: Json): Json[] => (JSON.parse(body._server_messages) as string[]).map((m) => JSON.parse(m));

/** A receiver for webhooks that answers with the given statuses in turn (then the last one). */
async function receiver(t: Test, statuses: number[] = [200]) {
  const requests: Array<{ method: string; headers: IncomingHttpHeaders; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('latin1')));
    req.on('end', () => {
      requests.push({ method: req.method!, headers: req.headers, body });
      res.writeHead(statuses[Math.min(requests.length - 1, statuses.length - 1)]!).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, requests };
}

t.test('python-json writes what Python json.dumps writes', async (t) => {
  // Expected texts produced by CPython 3: json.dumps({...}) with default separators and ensure_ascii.
  const value = new PyDict([
    ['a', new PyFloat(2)], ['b', 0.1], ['c', 1e-5], ['d', new PyFloat(1e16)], ['e', 123456789.125], ['f', [1, true, null]],
    ['g', 'مرحبا'], ['h', '😀\n\t"\\\u007f'], ['i', new PyFloat(-0)], ['j', 1.5e300], ['k', 12345678901234567890n],
  ]);
  t.equal(
    dumps(value),
    '{"a": 2.0, "b": 0.1, "c": 1e-05, "d": 1e+16, "e": 123456789.125, "f": [1, true, null], "g": "\\u0645\\u0631\\u062d\\u0628\\u0627", "h": "\\ud83d\\ude00\\n\\t\\"\\\\\\u007f", "i": -0.0, "j": 1.5e+300, "k": 12345678901234567890}',
  );
  // frappe.as_json: indent=1, sort_keys=True, separators=(",", ": ")
  t.equal(dumps({ z: 1, a: { y: [], x: {} } }, { indent: 1, sortKeys: true, separators: [',', ': '] }), '{\n "a": {\n  "x": {},\n  "y": []\n },\n "z": 1\n}');
  t.equal(dumps({ a: 1, b: [1, 2] }, { separators: [',', ':'] }), '{"a":1,"b":[1,2]}', 'as_json (responses) is compact');
  t.equal(dumps(loads('{"9": 1.0, "1": [2, 3.50]}')), '{"9": 1.0, "1": [2, 3.5]}', 'loads keeps floats and key order, as json.loads does');
});

t.test('authentication (frappe/auth.py)', async (t) => {
  const site = await startFrappeSite({ users: [{ email: 'acc@example.com', password: 'pw', apiKey: 'acc-key', apiSecret: 'acc-secret', roles: ['Accounts User'] }] });
  t.teardown(() => site.close());
  const token = client(site);
  t.same((await token('GET', '/api/method/frappe.auth.get_logged_user')).body, { message: 'Administrator' }, 'token key:secret');
  const basic = client(site, { Authorization: `Basic ${Buffer.from(`${site.apiKey}:${site.apiSecret}`).toString('base64')}` });
  t.same((await basic('GET', '/api/method/frappe.auth.get_logged_user')).body, { message: 'Administrator' }, 'Basic base64(key:secret)');

  // validate_api_key_secret raises a bare AuthenticationError; report_error adds exception/exc/exc_type.
  const wrong = await client(site, { Authorization: `token ${site.apiKey}:nope` })('GET', '/api/resource/ToDo');
  t.equal(wrong.status, 401);
  t.same(Object.keys(wrong.body), ['exception', 'exc_type', 'exc']);
  t.match(wrong.body, { exc_type: 'AuthenticationError', exception: 'frappe.exceptions.AuthenticationError' });
  t.match(JSON.parse(wrong.body.exc)[0], /^Traceback \(most recent call last\):/);
  t.match(wrong.headers.get('set-cookie'), /sid=; Expires=/, 'clear_cookies on AuthenticationError');
  const notBase64 = await client(site, { Authorization: 'Basic abc' })('GET', '/api/resource/ToDo');
  t.match(notBase64, { status: 400, body: { exc_type: 'InvalidAuthorizationToken' } });
  t.equal(serverMessages(notBase64.body)[0]!.message, 'Failed to decode token, please provide a valid base64-encoded token.');

  // Guest: get_list's has_permission(throw=True): 403 with the permission log and _error_message.
  const guest = await client(site, {})('GET', '/api/resource/ToDo');
  t.equal(guest.status, 403);
  t.match(guest.body, { exc_type: 'PermissionError', exception: 'frappe.exceptions.PermissionError', _error_message: 'No permission for ToDo' });
  t.same(serverMessages(guest.body), [{ message: 'User <strong>Guest</strong> does not have doctype access via role permission for document <strong>ToDo</strong>', title: 'Message' }]);
  t.match(guest.headers.get('set-cookie'), /sid=Guest; Expires=.*; Max-Age=864000; HttpOnly; Path=\/; SameSite=Lax/, 'guests get sid=Guest');
  // is_whitelisted: a guest calling a method that is not allow_guest.
  const notWhitelisted = await client(site, {})('GET', '/api/method/frappe.client.get_list?doctype=ToDo');
  t.equal(notWhitelisted.status, 403);
  t.match(serverMessages(notWhitelisted.body)[0], { title: 'Method Not Allowed', message: /Function <strong>frappe.client.get_list<\/strong> is not whitelisted/ });
  t.same((await client(site, {})('GET', '/api/method/ping')).body, { message: 'pong' }, 'ping is allow_guest');

  // Password login (LoginManager): form or JSON, answers message/home_page/full_name and sets sid.
  const bad = await client(site, {})('POST', '/api/method/login', { usr: 'acc@example.com', pwd: 'wrong' });
  t.match(bad, { status: 401, body: { message: 'Invalid login credentials', exc_type: 'AuthenticationError' } });
  const login = await client(site, {})('POST', '/api/method/login', 'usr=acc%40example.com&pwd=pw', { 'Content-Type': 'application/x-www-form-urlencoded' });
  t.same(login.body, { message: 'Logged In', home_page: '/app', full_name: 'acc@example.com' });
  const sid = /sid=([0-9a-f]+);/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  t.ok(sid, 'a sid cookie');
  const session = client(site, { Cookie: `sid=${sid}` });
  t.same((await session('GET', '/api/method/frappe.auth.get_logged_user')).body, { message: 'acc@example.com' });
  t.match(site.requestLog.at(-1), { auth: 'session', user: 'acc@example.com' });
  t.equal((await session('POST', '/api/method/logout')).status, 200);
  const expired = await session('GET', '/api/method/frappe.auth.get_logged_user');
  t.match(expired, { status: 403, body: { session_expired: 1, exc_type: 'PermissionError' } }, 'sessions.py: unknown sid -> Guest + session_expired');
});

t.test('resources, filters and pagination (api/v1.py, model/db_query.py)', async (t) => {
  let now = Date.parse('2026-03-01T10:00:00Z');
  const site = await startFrappeSite({ clock: () => new Date((now += 1000)) });
  t.teardown(() => site.close());
  const api = client(site);
  const created = await api('POST', '/api/resource/ToDo', { description: 'Call Acme', priority: 'High', date: '2026-03-05' });
  t.equal(created.status, 200);
  t.match(created.body.data, { doctype: 'ToDo', status: 'Open', priority: 'High', docstatus: 0, idx: 0, owner: 'Administrator', description: 'Call Acme' });
  t.match(created.body.data.name, /^[0-9a-f]{10}$/, 'autoname hash: generate_hash(length=10)');
  t.match(created.body.data.modified, /^2026-03-01 10:00:\d\d\.\d{6}$/, 'modified as "YYYY-MM-DD HH:MM:SS.ffffff"');
  t.notOk('allocated_to' in created.body.data, 'None fields are left out (json_handler: as_dict(no_nulls=True))');
  t.match((await api('POST', '/api/resource/ToDo', 'data={"description":"Form body","status":"Closed"}', { 'Content-Type': 'application/x-www-form-urlencoded' })).body.data, { description: 'Form body', status: 'Closed' }, 'form field `data`');
  for (const [description, priority, status, date] of [['Ship widgets', 'Low', 'Open', '2026-03-10'], ['Invoice Globex', 'Medium', 'Cancelled', null], ['call back', 'Low', 'Open', '2026-04-01']] as const) {
    await api('POST', '/api/resource/ToDo', { description, priority, status, date });
  }
  const list = await api('GET', '/api/resource/ToDo');
  t.equal(list.body.data.length, 5);
  t.same(Object.keys(list.body.data[0]), ['name'], 'default fields ["name"]');
  const descriptions = async (query: string): Promise<string[]> => (await api('GET', `/api/resource/ToDo?fields=["description"]&${query}`)).body.data.map((r: Json) => r.description);
  t.same(await descriptions(''), ['call back', 'Invoice Globex', 'Ship widgets', 'Form body', 'Call Acme'], 'order_by default: modified desc');
  t.same(await descriptions(`filters=${encodeURIComponent('[["description","like","%call%"]]')}&order_by=creation asc`), ['Call Acme', 'call back'], 'like is case-insensitive (utf8mb4_unicode_ci)');
  t.same(await descriptions(`filters=${encodeURIComponent('{"priority":["in",["High","Medium"]]}')}&order_by=creation asc`), ['Call Acme', 'Form body', 'Invoice Globex'], 'dict filter with [op, value]');
  t.same(await descriptions(`filters=${encodeURIComponent('[["status","not in","Open,Closed"]]')}`), ['Invoice Globex'], 'not in with comma-separated text');
  t.same(await descriptions(`filters=${encodeURIComponent('[["ToDo","date","between",["2026-03-01","2026-03-10"]]]')}&order_by=date asc`), ['Call Acme', 'Ship widgets'], 'between, [doctype, field, op, value]');
  t.same(await descriptions(`filters=${encodeURIComponent('[["date","is","not set"]]')}&order_by=creation asc`), ['Form body', 'Invoice Globex'], 'is not set');
  t.same(await descriptions(`filters=${encodeURIComponent('[["date",">=","2026-03-10"],["priority","!=","High"]]')}&order_by=date desc`), ['call back', 'Ship widgets'], 'several filters AND-ed');
  t.same(await descriptions(`or_filters=${encodeURIComponent('[["priority","=","High"],["status","=","Cancelled"]]')}&order_by=creation asc`), ['Call Acme', 'Invoice Globex'], 'or_filters');
  t.same(await descriptions('order_by=creation asc&limit_start=1&limit_page_length=2'), ['Form body', 'Ship widgets'], 'limit_start + limit_page_length');
  t.same(await descriptions('order_by=creation asc&limit=1'), ['Call Acme'], '`limit` stands for limit_page_length');
  t.same((await api('GET', '/api/resource/ToDo?fields=["description","priority"]&as_dict=0&order_by=creation asc&limit=1')).body.data, [['Call Acme', 'High']], 'as_dict=0: lists');
  t.same((await api('GET', '/api/method/frappe.client.get_count?doctype=ToDo&filters=[["status","=","Open"]]')).body, { message: 3 });
  t.same((await api('GET', '/api/method/frappe.client.get_value?doctype=ToDo&fieldname=["status","priority"]&filters={"description":"Call Acme"}')).body, { message: { status: 'Open', priority: 'High' } });
  t.same((await api('GET', '/api/method/frappe.client.get_value?doctype=ToDo&fieldname=status&filters={"description":"nobody"}')).body, { message: {} }, 'get_value: {} when nothing matches');
  t.same((await api('GET', '/api/v2/method/frappe.client.get_count?doctype=ToDo')).body, { data: 5 }, 'v2 methods answer in `data`');
  const notInstalled = await api('GET', '/api/v2/method/myapp.api.hello');
  t.equal(notInstalled.status, 417);
  t.match(notInstalled.body, { errors: [{ type: 'AppNotInstalledError', message: 'App myapp is not installed', title: 'Message', indicator: 'red', exception: /Traceback/ }] }, 'v2 handle_rpc_call re-raises AppNotInstalledError');
  const badOp = await api('GET', `/api/resource/ToDo?filters=${encodeURIComponent('[["status","~","x"]]')}`);
  t.match(badOp, { status: 417, body: { exc_type: 'ValidationError' } });
  t.match(serverMessages(badOp.body)[0]!.message, /^Operator must be one of =, !=, >, <, >=, <=, like, not like, in, not in, is, between/);
  const badColumn = await api('GET', '/api/resource/ToDo?fields=["nope"]');
  t.match(badColumn, { status: 500, body: { exc_type: 'OperationalError', exception: `pymysql.err.OperationalError: (1054, "Unknown column 'nope' in 'field list'")` } });
});

t.test('error shapes: 404, 409, 417 (exceptions.py, utils/response.py)', async (t) => {
  const site = await startFrappeSite();
  t.teardown(() => site.close());
  const api = client(site);
  const missing = await api('GET', '/api/resource/ToDo/nope');
  t.equal(missing.status, 404);
  t.same(Object.keys(missing.body), ['exc_type', '_server_messages'], 'no traceback for 404 (report_error)');
  const [message] = serverMessages(missing.body);
  t.same(Object.keys(message!), ['message', 'title', 'indicator', 'raise_exception', '__frappe_exc_id'], 'msgprint key order');
  t.match(message, { message: 'ToDo nope not found', title: 'Message', indicator: 'red', raise_exception: 1, __frappe_exc_id: /^[0-9a-f]{56}$/ });
  t.match(serverMessages((await api('GET', '/api/resource/Widget')).body)[0], { message: 'DocType Widget not found' }, 'unknown DocType');
  t.match(await api('GET', '/api/resource'), { status: 404, body: { exc_type: 'DoesNotExistError' } }, 'unmatched API path');
  const v2missing = await api('GET', '/api/v2/document/ToDo/nope');
  t.same(v2missing.body, { errors: [{ type: 'DoesNotExistError', message: 'ToDo nope not found', title: 'Message', indicator: 'red' }] }, 'v2: errors, the message linked by __frappe_exc_id');

  await api('POST', '/api/resource/Note', { title: 'Minutes' });
  const duplicate = await api('POST', '/api/resource/Note', { title: 'Minutes' });
  t.match(duplicate, { status: 409, body: { exc_type: 'DuplicateEntryError', exception: `frappe.exceptions.DuplicateEntryError: ('Note', 'Minutes', IntegrityError(1062, "Duplicate entry 'Minutes' for key 'PRIMARY'"))` } });
  t.same(serverMessages(duplicate.body), [{ message: 'Note <strong>Minutes</strong> already exists', title: 'Duplicate Name', indicator: 'red' }]);

  const mandatory = await api('POST', '/api/resource/ToDo', { priority: 'Low' });
  t.match(mandatory, { status: 417, body: { exc_type: 'MandatoryError', exception: /^frappe\.exceptions\.MandatoryError: \[ToDo, [0-9a-f]{10}\]: description$/ } });
  t.same(serverMessages(mandatory.body), [{ message: 'Error: Value missing for ToDo: Description', title: 'Message' }]);
  const v2mandatory = await api('POST', '/api/v2/document/ToDo', { priority: 'Low' });
  t.match(v2mandatory.body.errors[0], { type: 'MandatoryError', message: 'Error: Value missing for ToDo: Description', exception: /Traceback/ });
  const select = await api('POST', '/api/resource/ToDo', { description: 'x', status: 'Done' });
  t.match(serverMessages(select.body)[0], { message: ' Status cannot be "Done". It should be one of "Open", "Closed", "Cancelled"', title: 'Invalid Selection' });
  t.equal(select.status, 417);
  const methodMissing = await api('POST', '/api/method/frappe.client.nope');
  t.match(serverMessages(methodMissing.body)[0], { message: "Failed to get method for command frappe.client.nope with module 'frappe.client' has no attribute 'nope'" });
  t.match(await api('GET', '/api/method/frappe.client.insert?doc={}'), { status: 403 }, 'frappe.client.insert is POST/PUT only');
  const wrongSite = await fetch(`${site.url}/api/method/ping`, { headers: { 'X-Frappe-Site-Name': 'other.site' } });
  t.equal(wrongSite.status, 200, 'without siteName any site header is served');
  const named = await startFrappeSite({ siteName: 'erp.example.com' });
  t.teardown(() => named.close());
  const other = await fetch(`${named.url}/api/method/ping`, { headers: { 'X-Frappe-Site-Name': 'other.site' } });
  t.equal(other.status, 404);
  t.match(await other.text(), /<title>404 Not Found<\/title>/, "a missing site is werkzeug's NotFound page");
});

t.test('documents: submit, update after submit, cancel, amend, timestamps (model/document.py)', async (t) => {
  const site = await startFrappeSite({ users: [{ email: 'viewer@example.com', password: 'x', apiKey: 'vk', apiSecret: 'vs', roles: ['Accounts User'] }] });
  t.teardown(() => site.close());
  const api = client(site);
  site.insertDirect('Customer', { customer_name: 'Acme Arabia', customer_group: 'Commercial' });
  site.insertDirect('Customer', { customer_name: 'Other' });
  site.insertDirect('Item', { item_code: 'WIDGET', standard_rate: 7.5 });
  t.match((await api('POST', '/api/resource/Sales Order', { customer: 'Nobody', items: [{ item_code: 'WIDGET', qty: 1 }] })).body, { exc_type: 'LinkValidationError' });
  const noItems = await api('POST', '/api/resource/Sales Order', { customer: 'Acme Arabia' });
  t.same(serverMessages(noItems.body).map((m) => m.message), ['Error: Data missing in table Items']);
  const so = (await api('POST', '/api/resource/Sales Order', { customer: 'Acme Arabia', delivery_date: '2026-05-01', items: [{ item_code: 'WIDGET', qty: 2, rate: 7.5 }] })).body.data;
  t.match(so.name, new RegExp(`^SAL-ORD-${new Date().getUTCFullYear()}-00001$`), 'naming series SAL-ORD-.YYYY.-.#####');
  t.match(so, { docstatus: 0, status: 'Draft', grand_total: 15, customer_name: 'Acme Arabia' });
  t.match(so.items[0], { doctype: 'Sales Order Item', parent: so.name, parenttype: 'Sales Order', parentfield: 'items', idx: 1, amount: 15 });
  t.match((await api('GET', `/api/resource/Sales Order/${so.name}`)).text, /"grand_total":15\.0/, 'Currency answers as a Python float');

  const stale = await api('PUT', `/api/resource/Sales Order/${so.name}`, { po_no: 'PO-1', modified: '2020-01-01 00:00:00' });
  t.match(stale, { status: 417, body: { exc_type: 'TimestampMismatchError' } });
  t.match(serverMessages(stale.body)[0]!.message, new RegExp(`^Error: ${so.name} \\(Sales Order\\) has been modified after you have opened it \\(`));
  const viewer = await client(site, { Authorization: 'token vk:vs' })('PUT', `/api/resource/Sales Order/${so.name}`, { docstatus: 1 });
  t.match(viewer, { status: 403, body: { exc_type: 'PermissionError', _error_message: 'No permission for Sales Order' } });
  t.notOk('exception' in viewer.body, 'check_doctype_permission sets disable_traceback');

  const submitted = await api('PUT', `/api/resource/Sales Order/${so.name}`, { docstatus: 1, modified: so.modified });
  t.match(submitted.body.data, { docstatus: 1, status: 'To Deliver and Bill' }, 'docstatus 1 in a PUT submits');
  const locked = await api('PUT', `/api/resource/Sales Order/${so.name}`, { customer: 'Other' });
  t.match(locked, { status: 417, body: { exc_type: 'UpdateAfterSubmitError' } });
  t.match(serverMessages(locked.body)[0], { message: ' Not allowed to change <strong>Customer</strong> after submission from <strong>Acme Arabia</strong> to <strong>Other</strong>', title: 'Cannot Update After Submit' });
  t.match((await api('PUT', `/api/resource/Sales Order/${so.name}`, { delivery_date: '2026-06-01' })).body.data, { delivery_date: '2026-06-01', docstatus: 1 }, 'allow_on_submit fields may change');
  t.match(await api('PUT', `/api/resource/Sales Order/${so.name}`, { docstatus: 0 }), { status: 417, body: { exc_type: 'DocstatusTransitionError', exception: 'frappe.exceptions.DocstatusTransitionError: Cannot change docstatus from 1 (Submitted) to 0 (Draft)' } });
  const undeletable = await api('DELETE', `/api/resource/Sales Order/${so.name}`);
  t.match(serverMessages(undeletable.body)[0]!.message, /Submitted Record cannot be deleted/);

  const cancelled = await api('POST', '/api/method/frappe.client.cancel', { doctype: 'Sales Order', name: so.name });
  t.match(cancelled.body.message, { docstatus: 2, status: 'Cancelled', amended_from: null }, 'frappe.client.cancel answers as_dict() (None kept)');
  t.match(await api('PUT', `/api/resource/Sales Order/${so.name}`, { po_no: 'x' }), { status: 417, body: { exception: 'frappe.exceptions.ValidationError: Cannot edit cancelled document' } });
  const amended = await api('POST', '/api/resource/Sales Order', { customer: 'Acme Arabia', amended_from: so.name, items: [{ item_code: 'WIDGET', qty: 3, rate: 7.5 }] });
  t.equal(amended.body.data.name, `${so.name}-1`, 'amendment name');
  const deleted = await api('DELETE', `/api/resource/Sales Order/${amended.body.data.name}`);
  t.same([deleted.status, deleted.body], [202, { data: 'ok' }], 'DELETE answers 202 {"data": "ok"}');
  t.equal(site.document('Sales Order', amended.body.data.name), undefined);

  // frappe.client.submit takes the whole document (JSON text), compared on `modified`.
  const draft = (await api('POST', '/api/method/frappe.client.insert', { doc: JSON.stringify({ doctype: 'Sales Order', customer: 'Acme Arabia', items: [{ item_code: 'WIDGET', qty: 1, rate: 2 }] }) })).body.message;
  t.equal(draft.docstatus, 0);
  t.match((await api('POST', '/api/method/frappe.client.submit', { doc: JSON.stringify(draft) })).body.message, { name: draft.name, docstatus: 1 });
  t.match((await api('POST', '/api/method/frappe.client.get', { doctype: 'Sales Order', name: draft.name })).body.message, { name: draft.name, docstatus: 1, delivery_date: null });
  t.match((await api('POST', '/api/method/frappe.client.set_value', { doctype: 'Customer', name: 'Acme Arabia', fieldname: 'territory', value: 'Riyadh' })).body.message, { territory: 'Riyadh' });
  t.same((await api('POST', '/api/method/frappe.client.delete', { doctype: 'Note', name: 'nope' })).body, { exc_type: 'DoesNotExistError' }, 'delete_doc(ignore_missing=False): a bare DoesNotExistError');

  // v2: a document method answers the result in `data` and the document again in `docs`.
  const v2so = (await api('POST', '/api/v2/document/Sales Order', { customer: 'Acme Arabia', items: [{ item_code: 'WIDGET', qty: 1, rate: 1 }] })).body.data;
  t.equal(v2so.amended_from, null, 'v2 answers as_dict(): None values are present');
  const v2submit = await api('POST', `/api/v2/document/Sales Order/${v2so.name}/method/submit`);
  t.same(Object.keys(v2submit.body), ['docs', 'data']);
  t.match(v2submit.body, { data: { name: v2so.name, docstatus: 1 }, docs: [{ name: v2so.name, docstatus: 1 }] });
  const page1 = await api('GET', '/api/v2/document/Sales Order?fields=["name","grand_total"]&limit=1&order_by=creation asc');
  t.same(Object.keys(page1.body), ['has_next_page', 'data']);
  t.match(page1.body, { has_next_page: true, data: [{ name: so.name, grand_total: 15 }] });
  t.same((await api('GET', '/api/v2/doctype/Sales Order/count')).body, { data: 3 });
  t.match((await api('POST', '/api/v2/document/Note', { name: 'kept-name', title: 'Kept' })).body.data, { name: 'kept-name' }, 'v2 create keeps a given name (flags.name_set)');
  t.match((await api('PATCH', '/api/v2/document/Note/kept-name', { content: 'patched' })).body.data, { content: 'patched' });
});

t.test('upload_file (handler.py)', async (t) => {
  const site = await startFrappeSite();
  t.teardown(() => site.close());
  const api = client(site);
  const form = new FormData();
  form.append('file', new Blob(['hello']), 'hello.txt');
  form.append('is_private', '0');
  const uploaded = await api('POST', '/api/method/upload_file', form);
  t.match(uploaded.body.message, { doctype: 'File', file_name: 'hello.txt', file_url: '/files/hello.txt', is_private: 0, file_size: 5, folder: 'Home', content_hash: '5d41402abc4b2a76b9719d911017c592' });
  t.equal(await (await fetch(`${site.url}/files/hello.txt`)).text(), 'hello');
  const privateForm = new FormData();
  privateForm.append('file', new Blob(['secret']), 'hello.txt');
  privateForm.append('is_private', '1');
  t.match((await api('POST', '/api/method/upload_file', privateForm)).body.message, { file_url: '/private/files/hello.txt', is_private: 1 });
  t.equal((await fetch(`${site.url}/private/files/hello.txt`)).status, 403, 'private files need a session');
  t.match(await client(site, {})('POST', '/api/method/upload_file', form), { status: 403, body: { exc_type: 'PermissionError' } });
});

t.test('webhooks (integrations/doctype/webhook)', async (t) => {
  const site = await startFrappeSite({ webhookRetryDelayMs: 5 });
  t.teardown(() => site.close());
  const api = client(site);
  site.insertDirect('Customer', { customer_name: 'شركة الرياض' });
  site.insertDirect('Item', { item_code: 'WIDGET' });
  const hooks = await receiver(t);
  const secret = 'whsec-frappe';
  const template = '{"customer": "{{ doc.customer_name }}", "total": {{ doc.grand_total }}, "name": {{ doc.name | json }}, "items": {{ doc.items | json }}, "missing": "{{ doc.nope }}"}';
  site.addWebhook({ doctype: 'Sales Order', event: 'on_submit', url: hooks.url, secret, requestStructure: 'JSON', json: template, headers: { 'Content-Type': 'application/json' } });
  site.addWebhook({ doctype: 'Sales Order', event: 'after_insert', url: hooks.url, fields: [{ fieldname: 'name', key: 'id' }, { fieldname: 'customer', key: 'customer' }, { fieldname: 'grand_total', key: 'total' }] });
  for (const event of ['on_update', 'on_change', 'on_cancel', 'on_update_after_submit', 'on_trash'] as const) site.addWebhook({ doctype: 'Sales Order', event, url: `${hooks.url}?${event}` });

  const so = (await api('POST', '/api/resource/Sales Order', { customer: 'شركة الرياض', items: [{ item_code: 'WIDGET', qty: 2, rate: 10 }] })).body.data;
  await site.settleWebhooks();
  t.same(site.webhookLog.map((l) => l.event), ['after_insert', 'on_update'], 'insert: after_insert and on_update, no on_change (in_insert)');
  const inserted = hooks.requests[0]!;
  t.equal(inserted.body, `{"id": "${so.name}", "customer": "\\u0634\\u0631\\u0643\\u0629 \\u0627\\u0644\\u0631\\u064a\\u0627\\u0636", "total": 20.0}`, 'json.dumps(data): default separators, ensure_ascii, float');
  t.equal(inserted.headers['content-type'], undefined, 'no Content-Type unless a Webhook Header sets one');
  t.equal(inserted.headers['x-frappe-webhook-signature'], undefined, 'no signature without enable_security');

  await api('PUT', `/api/resource/Sales Order/${so.name}`, { docstatus: 1 });
  await site.settleWebhooks();
  t.same(site.webhookLog.slice(2).map((l) => l.event), ['on_update', 'on_submit', 'on_change'], 'submit: on_update, on_submit, on_change');
  const submitted = hooks.requests.find((r) => r.headers['x-frappe-webhook-signature'])!;
  const expected = createHmac('sha256', secret).update(submitted.body).digest('base64');
  t.equal(submitted.headers['x-frappe-webhook-signature'], expected, 'base64(HMAC-SHA256(secret, json.dumps(data)))');
  const data = JSON.parse(submitted.body);
  t.match(data, { customer: 'شركة الرياض', total: 20, name: so.name, missing: 'None' }, 'a missing attribute of frappe._dict renders None');
  t.match(submitted.body, /"total": 20\.0, /);
  t.match(data.items[0], { item_code: 'WIDGET', qty: 2, amount: 20, parent: so.name });
  t.equal(submitted.headers['content-type'], 'application/json', 'configured headers are sent');

  await api('PUT', `/api/resource/Sales Order/${so.name}`, { delivery_date: '2026-07-01' });
  await site.settleWebhooks();
  t.same(site.webhookLog.slice(5).map((l) => l.event), ['on_change'], 'update after submit: on_change only (on_update_after_submit is not in run_webhooks event_list)');
  await api('PUT', `/api/resource/Sales Order/${so.name}`, { docstatus: 2 });
  const draft = (await api('POST', '/api/resource/Sales Order', { customer: 'شركة الرياض', items: [{ item_code: 'WIDGET', qty: 1, rate: 1 }] })).body.data;
  await api('DELETE', `/api/resource/Sales Order/${draft.name}`);
  await site.settleWebhooks();
  t.same(site.webhookLog.slice(6).map((l) => l.event), ['on_cancel', 'on_change', 'after_insert', 'on_update', 'on_trash', 'on_change'], 'cancel, insert, delete');
  const before = site.webhookLog.length;
  t.equal((await api('POST', '/api/resource/Sales Order', { customer: 'Nobody' })).status, 417);
  await site.settleWebhooks();
  t.equal(site.webhookLog.length, before, 'nothing is sent for a request that failed (queued on commit)');

  // Three tries (webhook.py enqueue_webhook), each logged.
  const failing = await receiver(t, [500]);
  const flaky = await receiver(t, [503, 200]);
  site.addWebhook({ doctype: 'ToDo', event: 'after_insert', url: failing.url });
  site.addWebhook({ doctype: 'ToDo', event: 'after_insert', url: flaky.url, enabled: true });
  site.addWebhook({ doctype: 'ToDo', event: 'after_insert', url: flaky.url, enabled: false });
  await api('POST', '/api/resource/ToDo', { description: 'retry me' });
  await site.settleWebhooks();
  t.equal(failing.requests.length, 3, 'three tries');
  t.same(site.webhookLog.filter((l) => l.url === failing.url).map((l) => [l.attempt, l.status]), [[1, 500], [2, 500], [3, 500]]);
  t.match(site.webhookLog.find((l) => l.url === failing.url)!.error, /^requests\.exceptions\.HTTPError: 500 Server Error/);
  t.equal(flaky.requests.length, 2, 'a success ends the tries; a disabled webhook sends nothing');

  // Old Frappe sent "Form URL-Encoded" data form-encoded; the signature stays over json.dumps(data).
  const legacy = await receiver(t);
  site.addWebhook({ doctype: 'Note', event: 'after_insert', url: legacy.url, secret, requestStructure: 'Form URL-Encoded', legacyFormBody: true, fields: [{ fieldname: 'title', key: 'title' }, { fieldname: 'public', key: 'public' }] });
  await api('POST', '/api/resource/Note', { title: 'ملاحظة' });
  await site.settleWebhooks();
  t.equal(legacy.requests[0]!.body, 'title=%D9%85%D9%84%D8%A7%D8%AD%D8%B8%D8%A9&public=0');
  t.equal(legacy.requests[0]!.headers['x-frappe-webhook-signature'], createHmac('sha256', secret).update('{"title": "\\u0645\\u0644\\u0627\\u062d\\u0638\\u0629", "public": 0}').digest('base64'));
});

t.test('transport: keep-alive, faults, latency', async (t) => {
  const site = await startFrappeSite({ pageLengthDefault: 2 });
  t.teardown(() => site.close());
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  const get = (path: string): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(`${site.url}${path}`, { agent, headers: { Authorization: `token ${site.apiKey}:${site.apiSecret}` } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const connections = site.stats.connections;
  for (let i = 0; i < 3; i++) t.equal((await get('/api/method/ping')).status, 200);
  t.equal(site.stats.connections - connections, 1, 'three requests, one kept-alive connection');
  t.equal(site.stats.byPath.get('/api/method/ping'), 3);

  site.failNext({ status: 429, pathPrefix: '/api/resource', headers: { 'Retry-After': '7' }, body: { exc_type: 'TooManyRequestsError' } });
  t.equal((await get('/api/method/ping')).status, 200, 'other paths are not affected');
  const limited = await get('/api/resource/ToDo');
  t.same([limited.status, limited.headers['retry-after'], JSON.parse(limited.body)], [429, '7', { exc_type: 'TooManyRequestsError' }]);
  t.equal((await get('/api/resource/ToDo')).status, 200, 'only the next one');
  site.failNext({ status: 0, times: 1 });
  await t.rejects(fetch(`${site.url}/api/method/ping`), 'status 0 drops the connection');

  for (let i = 0; i < 3; i++) await client(site)('POST', '/api/resource/ToDo', { description: `t${i}` });
  t.equal(JSON.parse((await get('/api/resource/ToDo')).body).data.length, 2, 'pageLengthDefault');
  site.setLatency(50);
  const started = Date.now();
  await Promise.all(Array.from({ length: 4 }, () => fetch(`${site.url}/api/method/ping`)));
  t.ok(Date.now() - started >= 50, 'answers are delayed');
  t.ok(site.stats.maxInFlight >= 4, 'concurrent requests are in flight together');
  site.setLatency(0);
  t.equal(site.stats.inFlight, 0);
});
