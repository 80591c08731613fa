// Child process entry of `bundle-handlers.ts`: loads a built bundle in a throwaway node:vm context
// and reports which of the handlers asked about it does not export. node:vm is not a security
// boundary, and needs none here: the bundle is the author's own code, built on the author's machine.
// The platform runs it in isolated-vm; this check only needs the sandbox's module rules (one ESM
// bundle that may import only `dogan:module`), and keeps isolated-vm out of the SDK's dependencies.
// A child process so a bundle that loops or allocates at load stops here, within limits, and not
// in the CLI; plain JavaScript because loading tsx would triple its start time.
// Request and reply: `ProbeRequest` and `ProbeReply` in bundle-handlers.ts.
import vm from 'node:vm';

const LOAD_TIMEOUT_MS = 5_000;

// The sandbox's `dogan:module` exports (runtime/src/sandbox/host/bootstrap.ts), inert: capabilities
// answer only during a call, as in the sandbox, where a module that uses one while loading fails.
const API_STUB = `
const refuse = () => Promise.reject(new Error('platform capabilities answer only during a call, not while the module loads'));
const noop = () => undefined;
export const storage = Object.freeze({ insert: refuse, get: refuse, update: refuse, delete: refuse, query: refuse });
export const http = Object.freeze({ fetch: refuse });
export const events = Object.freeze({ emit: refuse });
export const erpnext = Object.freeze({ list: refuse, get: refuse, create: refuse, update: refuse, delete: refuse, submit: refuse, cancel: refuse });
export const email = Object.freeze({ send: refuse });
export const log = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
export const settings = Object.freeze({ get: () => ({}) });
export const tenant = Object.freeze({ id: '00000000-0000-0000-0000-000000000000', locale: 'en', timezone: 'UTC', plan: 'free' });
export const sleep = refuse;
export const defineModule = (definition) => definition;
export default Object.freeze({ storage, http, events, erpnext, email, log, settings, tenant, sleep });
`;

/**
 * The sandbox's dispatch rule (bootstrap.ts `run`): a table (`routes`, `events`, `jobs`, `tools`) is a
 * named export or a member of the default export.
 */
function findMissing(namespace, wanted) {
  return wanted.filter(({ table, name }) => {
    const handlers = namespace[table] || (namespace.default && namespace.default[table]);
    return typeof (handlers ? handlers[name] : undefined) !== 'function';
  });
}

/** @param {{ code: string, filename: string, wanted: Array<{ table: string, name: string }> }} request */
async function probe(request) {
  // A bare context, as the sandbox's: no require, process or timers; microtasks run inside the
  // evaluate timeout, so a promise loop at load is stopped like a plain one.
  const context = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
  const api = new vm.SourceTextModule(API_STUB, { context, identifier: 'dogan:module' });
  await api.link(() => {
    throw new Error('dogan:module imports nothing');
  });
  await api.evaluate();
  let module;
  try {
    module = new vm.SourceTextModule(request.code, { context, identifier: request.filename });
    await module.link((specifier) => {
      if (specifier === 'dogan:module') return api;
      throw new Error(`only "dogan:module" can be imported; "${specifier}" cannot`);
    });
    // The timeout stops synchronous code; a top-level await that never settles is stopped by the timer.
    let timer;
    const stalled = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), LOAD_TIMEOUT_MS)));
    await Promise.race([module.evaluate({ timeout: LOAD_TIMEOUT_MS }), stalled]).finally(() => clearTimeout(timer));
  } catch (err) {
    return { ok: false, loadError: describe(err) };
  }
  return { ok: true, missing: findMissing(module.namespace, request.wanted) };
}

function describe(err) {
  const message = String(err?.message ?? err);
  if (/timed out/i.test(message)) return `it did not finish loading within ${LOAD_TIMEOUT_MS} ms`;
  return `${err?.name ?? 'Error'}: ${message}`;
}

process.once('message', (request) => {
  probe(request)
    .catch((err) => ({ ok: false, loadError: describe(err) }))
    .then((reply) => process.send(reply, () => process.exit(0)));
});
