import type { SandboxOptions } from '../options.js';
import type { ErpnextAccess, ErpnextGrant, HostToKernel, ProblemShape, ResolvedGrants } from '../protocol.js';
import { FetchRefused, guardedFetch, type FetchArgs } from './outbound-http.js';
import type { CallRecord, SandboxInstance } from './sandbox-instance.js';

/** The module API's ERPNext operations and the access each needs. */
export const ERPNEXT_OPS: Readonly<Record<string, ErpnextAccess>> = Object.freeze({
  'erpnext.list': 'read',
  'erpnext.get': 'read',
  'erpnext.create': 'write',
  'erpnext.update': 'write',
  'erpnext.delete': 'write',
  'erpnext.submit': 'submit',
  'erpnext.cancel': 'submit',
});

const KERNEL_OPS = new Set(['storage.insert', 'storage.get', 'storage.update', 'storage.delete', 'storage.query', 'events.emit', 'email.send', ...Object.keys(ERPNEXT_OPS)]);
/** Largest `email.send` message: the email plugin takes 256 KB of HTML and 128 KB of text. */
const MAX_EMAIL_BYTES = 512 * 1024;

/** True when an event type matches a granted pattern (`a.b.*` matches a prefix). */
export function eventAllowed(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? type.startsWith(p.slice(0, -1)) : p === type));
}

/** The access an ERPNext operation (`erpnext.get`) needs; undefined for an operation that is not one. */
export function erpnextVerb(op: string): ErpnextAccess | undefined {
  return Object.hasOwn(ERPNEXT_OPS, op) ? ERPNEXT_OPS[op] : undefined;
}

const ACCESS_RANK: Readonly<Record<ErpnextAccess, number>> = { read: 1, write: 2, submit: 3 };

/**
 * True when a grant allows `verb` on the doctype: one naming it exactly (Frappe's names are
 * case-sensitive) whose access is that verb or more (`write` includes `read`, `submit` includes both).
 * Takes the grants of an isolate, or only their `erpnext` list.
 */
export function erpnextAllowed(grants: Pick<ResolvedGrants, 'erpnext'> | readonly ErpnextGrant[], doctype: string, verb: ErpnextAccess): boolean {
  const list: readonly ErpnextGrant[] = Array.isArray(grants) ? grants : ((grants as Pick<ResolvedGrants, 'erpnext'>).erpnext ?? []);
  const needed = ACCESS_RANK[verb];
  if (typeof doctype !== 'string' || doctype === '' || needed === undefined) return false;
  return list.some((g) => (ACCESS_RANK[g.access] ?? 0) >= needed && g.doctypes.includes(doctype));
}

/**
 * The host side of the module API. Every request is checked here against the grants of the isolate
 * that made it (tenant and module come from the isolate, never from arguments), the call it belongs
 * to (from the task log: work left running after its call ended is refused) and the limits of the
 * isolate's busy period; storage, events and ERPNext go on to the kernel tagged with that call,
 * where the same checks run again against the kernel's own record of it. Every answer, a refusal
 * too, goes back into the isolate through `settle`: the isolate never waits for this thread.
 */
export class CapabilityBridge {
  private readonly waiting = new Map<number, { instance: SandboxInstance; reqId: number; call: CallRecord }>();
  private nextId = 0;

  constructor(
    private readonly options: SandboxOptions,
    private readonly send: (header: HostToKernel, payload?: string) => void,
    private readonly breach: (instance: SandboxInstance, problem: ProblemShape) => void,
  ) {}

  request(instance: SandboxInstance, reqId: number, tag: number, op: string, target: string, argsJson: string): void {
    const refusal = this.check(instance, reqId, tag, op, target, argsJson);
    if (refusal) instance.settle(reqId, JSON.stringify({ ok: false, error: refusal }));
  }

  /** Starts the request, or returns why it is refused. */
  private check(instance: SandboxInstance, reqId: number, tag: number, op: string, target: string, argsJson: string): ProblemShape | undefined {
    const call = instance.callByTag(tag);
    if (!call) return this.refuse(instance, undefined, 'SANDBOX_NO_INVOCATION', `${op} after its call had ended`);
    const { limits } = this.options;
    const grants = instance.config.grants;
    if (op.startsWith('storage.')) {
      if (!grants.collections.includes(target)) return this.refuse(instance, call, 'SANDBOX_PERMISSION_DENIED', `storage collection "${target.slice(0, 64)}" without the grant`);
      if (++instance.period.storageOps > limits.maxStorageOpsPerCall * instance.period.started) return this.refuse(instance, call, 'SANDBOX_STORAGE_LIMIT', `more than ${limits.maxStorageOpsPerCall} storage operations in one call`);
      if (argsJson.length > limits.maxStorageValueBytes + 1024) return this.refuse(instance, call, 'SANDBOX_STORAGE_LIMIT', `a value larger than ${limits.maxStorageValueBytes} bytes`);
    } else if (op === 'events.emit') {
      if (!eventAllowed(grants.emit, target)) return this.refuse(instance, call, 'SANDBOX_PERMISSION_DENIED', `events.emit("${target.slice(0, 100)}") without the grant`);
      if (argsJson.length > limits.maxStorageValueBytes) return this.refuse(instance, call, 'SANDBOX_STORAGE_LIMIT', 'an event payload too large');
    } else if (op.startsWith('erpnext.')) {
      const verb = erpnextVerb(op);
      if (verb === undefined) return { code: 'SANDBOX_INVALID_ARGUMENT', message: `unknown operation ${op.slice(0, 40)}` };
      if (!erpnextAllowed(grants, target, verb)) return this.refuse(instance, call, 'SANDBOX_PERMISSION_DENIED', `${op}: ERPNext ${verb} on doctype "${target.slice(0, 140)}" without the grant`);
      // Each one is a request to the tenant's ERPNext site: it counts as outbound HTTP.
      if (++instance.period.httpRequests > limits.maxHttpRequestsPerCall * instance.period.started) return this.refuse(instance, call, 'SANDBOX_HTTP_LIMIT', `more than ${limits.maxHttpRequestsPerCall} outbound requests in one call`);
      if (argsJson.length > limits.maxStorageValueBytes + 1024) return this.refuse(instance, call, 'SANDBOX_HTTP_LIMIT', `an ERPNext document or query larger than ${limits.maxStorageValueBytes} bytes`);
    } else if (op === 'email.send') {
      if (!grants.email) return this.refuse(instance, call, 'SANDBOX_PERMISSION_DENIED', 'email.send without the grant');
      // Each one leaves the platform, as an outbound request does.
      if (++instance.period.httpRequests > limits.maxHttpRequestsPerCall * instance.period.started) return this.refuse(instance, call, 'SANDBOX_HTTP_LIMIT', `more than ${limits.maxHttpRequestsPerCall} outbound requests in one call`);
      if (argsJson.length > MAX_EMAIL_BYTES) return this.refuse(instance, call, 'SANDBOX_HTTP_LIMIT', `an email larger than ${MAX_EMAIL_BYTES} bytes`);
    } else if (op === 'http.fetch') {
      return this.fetch(instance, call, reqId, argsJson);
    } else if (op === 'sleep') {
      const ms = Math.max(0, Math.min(Number(JSON.parse(argsJson)?.ms) || 0, limits.maxSleepMs));
      setTimeout(() => instance.settle(reqId, '{"ok":true,"value":null}'), ms);
      return undefined;
    }
    if (!KERNEL_OPS.has(op)) return { code: 'SANDBOX_INVALID_ARGUMENT', message: `unknown operation ${op.slice(0, 40)}` };
    const id = ++this.nextId;
    this.waiting.set(id, { instance, reqId, call });
    this.send({ t: 'cap', id, call: call.id, op }, argsJson);
    return undefined;
  }

  /** The kernel's answer to a storage, event or ERPNext request. */
  answer(id: number, ok: boolean, error: ProblemShape | undefined, payload: Buffer): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    const envelope = ok ? `{"ok":true,"value":${payload.length > 0 ? payload.toString('utf8') : 'null'}}` : JSON.stringify({ ok: false, error });
    if (!ok && error && isBreach(error.code)) waiting.call.breach ??= error;
    waiting.instance.settle(waiting.reqId, envelope);
  }

  private fetch(instance: SandboxInstance, call: CallRecord, reqId: number, argsJson: string): ProblemShape | undefined {
    const { limits, network } = this.options;
    if (++instance.period.httpRequests > limits.maxHttpRequestsPerCall * instance.period.started) {
      return this.refuse(instance, call, 'SANDBOX_HTTP_LIMIT', `more than ${limits.maxHttpRequestsPerCall} outbound requests in one call`);
    }
    let args: FetchArgs;
    try {
      args = JSON.parse(argsJson) as FetchArgs;
    } catch {
      return { code: 'SANDBOX_INVALID_ARGUMENT', message: 'http.fetch arguments' };
    }
    const run = () => {
      instance.httpActive++;
      guardedFetch(args, instance.config.grants.http, network, limits)
        .then(
          (answer) => instance.settle(reqId, JSON.stringify({ ok: true, value: answer })),
          (err: unknown) => {
            const problem = err instanceof FetchRefused ? { code: err.code, message: err.message } : { code: 'SANDBOX_HTTP_FAILED', message: 'request failed' };
            if (err instanceof FetchRefused && err.breach) this.report(instance, call, problem);
            instance.settle(reqId, JSON.stringify({ ok: false, error: problem }));
          },
        )
        .finally(() => {
          instance.httpActive--;
          instance.httpQueue.shift()?.();
        });
    };
    // Over the concurrency limit, requests wait their turn (the count limit above bounds the queue).
    if (instance.httpActive < limits.maxHttpConcurrency) run();
    else instance.httpQueue.push(run);
    return undefined;
  }

  private refuse(instance: SandboxInstance, call: CallRecord | undefined, code: string, detail: string): ProblemShape {
    const problem = instance.problem(code, detail);
    this.report(instance, call, problem);
    return problem;
  }

  /** A breach is the module's (its log, `/metrics`) and, if the call fails at all, that call's error code. */
  private report(instance: SandboxInstance, call: CallRecord | undefined, problem: ProblemShape): void {
    if (call) call.breach ??= problem;
    this.breach(instance, problem);
  }
}

function isBreach(code: string): boolean {
  return code === 'SANDBOX_EVENT_LOOP' || code === 'SANDBOX_PERMISSION_DENIED' || code === 'SANDBOX_STORAGE_LIMIT' || code === 'SANDBOX_NO_INVOCATION';
}
