/**
 * Code that runs inside every isolate before the module: it captures the intrinsics it relies on
 * (so a module that poisons `JSON` or `Object.prototype` only breaks itself), removes what must not
 * be there, builds the module API over one host callback that takes strings, and returns the entry
 * points the host calls. Host objects never enter: the callback becomes a plain function and lives
 * only in this closure.
 *
 * Closure arguments: $0 request(id, tag, op, target, argsJson), fire and forget: every answer, a
 * refusal too, comes back through `settle`; $1 JSON of { tenant, settings, limits, taskSlots,
 * startupTag }; $2 the
 * global name the API module reads once; $3 the SharedArrayBuffer of the task log (host/task-log.ts).
 */
export const BOOTSTRAP_SOURCE = String.raw`
'use strict';
const hostRequest = $0;
const boot = JSON.parse($1);
const taskLog = new Int32Array($3);
const stringify = JSON.stringify;
const parse = JSON.parse;
const apply = Reflect.apply;
const freeze = Object.freeze;
const defineProperty = Object.defineProperty;
const PromiseCtor = Promise;
const ErrorCtor = Error;
const StringCtor = String;
const MapCtor = Map;
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const mapDelete = Map.prototype.delete;
const strSlice = String.prototype.slice;
const atomicsLoad = Atomics.load;
const atomicsStore = Atomics.store;
const limits = boot.limits;
const taskSlots = boot.taskSlots;
const settingsJson = stringify(boot.settings ?? {});
// The host runs with --expose-gc so it can tell retained memory from garbage; only this closure keeps it.
const collectGarbage = typeof globalThis.gc === 'function' ? globalThis.gc : undefined;
if ('gc' in globalThis) defineProperty(globalThis, 'gc', { value: undefined, writable: false });

for (const name of ['SharedArrayBuffer', 'Atomics', 'WebAssembly', 'eval']) delete globalThis[name];

// The call whose task runs now; a host request made during it belongs to that call. Until the first
// entry call that is the module's evaluation (its top-level await may sleep, nothing else).
let current = boot.startupTag;
function enter(tag) {
  current = tag;
  const n = atomicsLoad(taskLog, 0);
  taskLog[2 + ((n >>> 0) % taskSlots)] = tag;
  atomicsStore(taskLog, 0, (n + 1) | 0);
}
// While the host measures the heap, new tasks wait here (a Map driven by captured methods: a module
// that poisons Array.prototype cannot take them out early).
const held = new MapCtor();
let heldIn = 0;
let heldOut = 0;
function paused() { return atomicsLoad(taskLog, 1) !== 0; }
function hold(task) { apply(mapSet, held, [heldIn++, task]); }
function resume() {
  while (heldOut < heldIn && !paused()) {
    const task = apply(mapGet, held, [heldOut]);
    apply(mapDelete, held, [heldOut++]);
    task();
  }
}

const pending = new MapCtor();
let nextId = 0;
function toError(problem) {
  const e = new ErrorCtor(StringCtor(problem && problem.message));
  e.name = 'DoganError';
  e.code = StringCtor(problem && problem.code);
  return e;
}
function request(op, target, args) {
  const id = ++nextId;
  let argsJson;
  try { argsJson = stringify(args === undefined ? null : args); } catch (err) { return PromiseCtor.reject(toError({ code: 'SANDBOX_INVALID_ARGUMENT', message: 'arguments must be JSON values' })); }
  const tag = current;
  const promise = new PromiseCtor((resolve, reject) => apply(mapSet, pending, [id, { resolve, reject, tag }]));
  hostRequest(id, tag, op, StringCtor(target), argsJson === undefined ? 'null' : argsJson);
  return promise;
}
function settle(id, envelope) {
  if (paused()) return hold(() => settleNow(id, envelope));
  settleNow(id, envelope);
}
function settleNow(id, envelope) {
  const p = apply(mapGet, pending, [id]);
  if (!p) return;
  apply(mapDelete, pending, [id]);
  enter(p.tag);
  const result = parse(envelope);
  if (result.ok) p.resolve(result.value); else p.reject(toError(result.error));
}

let logs = [];
let dropped = 0;
function log(level, message, data) {
  if (logs.length >= limits.maxLogLines) { dropped++; return; }
  let text = StringCtor(message);
  if (text.length > limits.maxLogLineBytes) text = apply(strSlice, text, [0, limits.maxLogLineBytes]);
  let d = null;
  if (data !== undefined) {
    try { d = stringify(data); } catch { d = '"[not JSON]"'; }
    if (d === undefined || d.length > limits.maxLogLineBytes) d = null;
  }
  logs[logs.length] = { level, message: text, data: d };
}
function takeLogs() {
  if (logs.length === 0 && dropped === 0) return '';
  const out = stringify({ entries: logs, dropped });
  logs = [];
  dropped = 0;
  return out;
}

const str = (v) => StringCtor(v);
// ERPNext: the doctype, made a string once, is both the target the grants are checked against and
// the argument; "connection" names one of the tenant's connections (its default when absent).
function connection(options) {
  const c = options === undefined || options === null ? undefined : options.connection;
  return c === undefined || c === null ? undefined : str(c);
}
function erp(op, doctype, args) {
  const d = str(doctype);
  return request(op, d, args(d));
}
const api = freeze({
  storage: freeze({
    insert: (collection, doc) => request('storage.insert', collection, { collection: str(collection), doc }),
    get: (collection, id) => request('storage.get', collection, { collection: str(collection), id: str(id) }),
    update: (collection, id, patch) => request('storage.update', collection, { collection: str(collection), id: str(id), patch }),
    delete: (collection, id) => request('storage.delete', collection, { collection: str(collection), id: str(id) }),
    query: (collection, query) => request('storage.query', collection, { collection: str(collection), query: query === undefined ? {} : query }),
  }),
  http: freeze({
    fetch: (url, init) => {
      const i = init || {};
      return request('http.fetch', str(url), { url: str(url), method: i.method === undefined ? 'GET' : str(i.method), headers: i.headers || {}, body: i.body === undefined ? null : i.body });
    },
  }),
  events: freeze({ emit: (type, payload) => request('events.emit', type, { type: str(type), payload: payload === undefined ? null : payload }) }),
  erpnext: freeze({
    list: (doctype, query, options) => erp('erpnext.list', doctype, (d) => ({ doctype: d, query: query === undefined || query === null ? {} : query, connection: connection(options) })),
    get: (doctype, name, options) => erp('erpnext.get', doctype, (d) => ({ doctype: d, name: str(name), connection: connection(options) })),
    create: (doctype, doc, options) => erp('erpnext.create', doctype, (d) => ({ doctype: d, doc: doc === undefined ? null : doc, connection: connection(options) })),
    update: (doctype, name, patch, options) => erp('erpnext.update', doctype, (d) => ({ doctype: d, name: str(name), patch: patch === undefined ? null : patch, connection: connection(options) })),
    delete: (doctype, name, options) => erp('erpnext.delete', doctype, (d) => ({ doctype: d, name: str(name), connection: connection(options) })),
    submit: (doctype, name, options) => erp('erpnext.submit', doctype, (d) => ({ doctype: d, name: str(name), connection: connection(options) })),
    cancel: (doctype, name, options) => erp('erpnext.cancel', doctype, (d) => ({ doctype: d, name: str(name), connection: connection(options) })),
  }),
  email: freeze({ send: (message) => request('email.send', '', message === undefined || message === null ? {} : message) }),
  log: freeze({
    debug: (m, d) => log('debug', m, d),
    info: (m, d) => log('info', m, d),
    warn: (m, d) => log('warn', m, d),
    error: (m, d) => log('error', m, d),
  }),
  settings: freeze({ get: () => parse(settingsJson) }),
  tenant: freeze({ id: boot.tenant.id, locale: boot.tenant.locale, timezone: boot.tenant.timezone, plan: boot.tenant.plan }),
  sleep: (ms) => request('sleep', '', { ms: +ms }),
});
defineProperty(globalThis, $2, { value: api, configurable: true, enumerable: false, writable: false });

const tables = { route: 'routes', event: 'events', job: 'jobs', hook: 'hooks', tool: 'tools' };
let ns = null;
function safe(read, fallback) {
  try { const v = read(); return typeof v === 'string' ? apply(strSlice, v, [0, 500]) : fallback; } catch { return fallback; }
}
function encodeRoute(out) {
  if (out === null || typeof out !== 'object') throw new TypeError('a route handler must return { status, headers, body }');
  const headers = out.headers === undefined ? {} : out.headers;
  const body = out.body;
  const type = headers && typeof headers === 'object' ? headers['content-type'] : undefined;
  const text = typeof body === 'string' && typeof type === 'string' && !/json/i.test(type);
  // A string body over the limit is refused by its length: stringifying hundreds of MB is native work
  // that no termination interrupts, so it would go on burning a core for seconds after a CPU limit.
  if (typeof body === 'string' && body.length > limits.maxResponseBytes) return 'T' + body.length;
  const bodyText = text ? body : body === undefined ? '' : stringify(body);
  if (bodyText !== undefined && bodyText.length > limits.maxResponseBytes) return 'T' + bodyText.length;
  return 'R' + stringify({ status: out.status === undefined ? 200 : out.status, headers, text }) + '\n' + (bodyText === undefined ? '' : bodyText);
}
function dispatch(tag, kind, name, inputJson) {
  if (paused()) return new PromiseCtor((resolve) => hold(() => resolve(run(tag, kind, name, inputJson))));
  return run(tag, kind, name, inputJson);
}
async function run(tag, kind, name, inputJson) {
  enter(tag);
  let out;
  try {
    // Handler tables are named exports (\`export const routes = {...}\`) or members of the default
    // export (\`export default defineModule({ routes })\`), the SDK's style.
    const table = ns ? (ns[tables[kind]] || (ns.default && ns.default[tables[kind]])) : undefined;
    const fn = table ? table[name] : undefined;
    if (typeof fn !== 'function' && kind === 'hook') return takeLogs() + '\u0000Vnull';
    if (typeof fn !== 'function') throw new TypeError('the bundle exports no ' + tables[kind] + '.' + name + ' function');
    const result = await fn(parse(inputJson));
    if (kind === 'route') out = encodeRoute(result);
    else {
      const v = stringify(result === undefined ? null : result);
      // What a tool answers goes to an agent's model: no larger than a route's answer may be.
      if (kind === 'tool' && v !== undefined && v.length > limits.maxResponseBytes) out = 'T' + v.length;
      else out = 'V' + (v === undefined ? 'null' : v);
    }
  } catch (err) {
    out = 'E' + stringify({ name: safe(() => err.name, 'Error'), message: safe(() => err.message, safe(() => StringCtor(err), 'thrown value')), code: safe(() => err.code, null) });
  }
  return takeLogs() + '\u0000' + out;
}
return {
  dispatch,
  settle,
  resume,
  collect() { if (collectGarbage) collectGarbage(); },
  attach(namespace) { ns = namespace; delete globalThis[$2]; },
};
`;

/** The one importable module: `dogan:module`, read from the hidden global the bootstrap defined. */
export function apiModuleSource(globalName: string): string {
  const names = ['storage', 'http', 'events', 'erpnext', 'email', 'log', 'settings', 'tenant', 'sleep'];
  // defineModule is the SDK's identity function; the bundle imports it from here and carries no SDK code.
  return `const api = globalThis[${JSON.stringify(globalName)}];\n${names.map((n) => `export const ${n} = api.${n};`).join('\n')}\nexport const defineModule = (definition) => definition;\nexport default api;\n`;
}
