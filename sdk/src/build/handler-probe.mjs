// Child process entry of `bundle-handlers.ts`: loads a built bundle in a throwaway isolated-vm
// isolate, as the sandbox would, and reports which of the handlers asked about it does not export.
// A child process because isolated-vm needs `--no-node-snapshot` on Node 20, which the CLI's own
// process was not started with; plain JavaScript because loading tsx would triple its start time.
// Request and reply: `ProbeRequest` and `ProbeReply` in bundle-handlers.ts.
import ivm from 'isolated-vm';

const MEMORY_MB = 128;
const LOAD_TIMEOUT_MS = 5_000;

// The sandbox's `dogan:module` exports (runtime/src/sandbox/host/bootstrap.ts), inert: capabilities
// answer only during a call, as in the sandbox, where a module that uses one while loading fails.
const API_STUB = `
const refuse = () => Promise.reject(new Error('platform capabilities answer only during a call, not while the module loads'));
const noop = () => undefined;
export const storage = Object.freeze({ insert: refuse, get: refuse, update: refuse, delete: refuse, query: refuse });
export const http = Object.freeze({ fetch: refuse });
export const events = Object.freeze({ emit: refuse });
export const log = Object.freeze({ debug: noop, info: noop, warn: noop, error: noop });
export const settings = Object.freeze({ get: () => ({}) });
export const tenant = Object.freeze({ id: '00000000-0000-0000-0000-000000000000', locale: 'en', timezone: 'UTC', plan: 'free' });
export const sleep = refuse;
export const defineModule = (definition) => definition;
export default Object.freeze({ storage, http, events, log, settings, tenant, sleep });
`;

// The sandbox's dispatch rule: a table is a named export or a member of the default export.
const FIND_MISSING = `
const ns = $0;
const wanted = JSON.parse($1);
return JSON.stringify(wanted.filter(({ table, name }) => {
  const t = ns[table] || (ns.default && ns.default[table]);
  return typeof (t ? t[name] : undefined) !== 'function';
}));
`;

/** @param {{ code: string, filename: string, wanted: Array<{ table: string, name: string }> }} request */
async function probe(request) {
  const isolate = new ivm.Isolate({ memoryLimit: MEMORY_MB });
  try {
    const context = await isolate.createContext();
    const api = await isolate.compileModule(API_STUB, { filename: 'dogan:module' });
    await api.instantiate(context, () => {
      throw new Error('dogan:module imports nothing');
    });
    await api.evaluate({ timeout: LOAD_TIMEOUT_MS });
    let module;
    try {
      module = await isolate.compileModule(request.code, { filename: request.filename });
      await module.instantiate(context, (specifier) => {
        if (specifier === 'dogan:module') return api;
        throw new Error(`only "dogan:module" can be imported; "${specifier}" cannot`);
      });
      await module.evaluate({ timeout: LOAD_TIMEOUT_MS });
    } catch (err) {
      return { ok: false, loadError: describe(err) };
    }
    const missing = await context.evalClosure(FIND_MISSING, [module.namespace.derefInto(), JSON.stringify(request.wanted)], {
      result: { copy: true },
      timeout: LOAD_TIMEOUT_MS,
    });
    return { ok: true, missing: JSON.parse(missing) };
  } finally {
    isolate.dispose();
  }
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
