import { randomBytes } from 'node:crypto';
import ivm from 'isolated-vm';
import type { CallKind, SandboxOptions } from '../options.js';
import type { IsolateConfig, ProblemShape } from '../protocol.js';
import { BOOTSTRAP_SOURCE, apiModuleSource } from './bootstrap.js';
import type { CodeCache } from './code-cache.js';
import { HeapCheck, V8_HEADROOM, type HeapTarget } from './heap-check.js';
import { TASK_SLOTS, TaskLog } from './task-log.js';

/** How a call ended: the isolate's raw answer, or a problem. */
export type CallOutcome = { ok: true; raw: string } | { ok: false; error: ProblemShape };

/** One call in flight in an isolate, as the watchdog sees it. */
export interface CallRecord {
  readonly id: number;
  /** The call's number inside its isolate: the isolate notes it in the task log for every task of the call. */
  readonly tag: number;
  readonly kind: CallKind;
  readonly deadline: number;
  readonly cpuLimitMs: number;
  cpuMs: number;
  /** A limit this call's isolate broke while it ran; it becomes the call's error code. */
  breach: ProblemShape | undefined;
  finish(outcome: CallOutcome): void;
}

/** What an instance needs from its host. */
export interface InstanceHost {
  readonly options: SandboxOptions;
  readonly code: CodeCache;
  /** A request of the module's; its answer, a refusal too, goes back through `instance.settle`. */
  request(instance: SandboxInstance, reqId: number, tag: number, op: string, target: string, argsJson: string): void;
  logs(instance: SandboxInstance, json: string): void;
  breach(instance: SandboxInstance, problem: ProblemShape): void;
  watch(instance: SandboxInstance): void;
  disposed(instance: SandboxInstance): void;
  catastrophic(instance: SandboxInstance, message: string): void;
}

const LIMIT_CODES = new Set(['SANDBOX_CPU_LIMIT', 'SANDBOX_MEMORY_LIMIT', 'SANDBOX_TIMEOUT']);
const ALLOCATION_FAILURE = /allocation failed|Invalid (string|array|typed array) length|out of memory/i;
const MAX_TAG = 0x3fffffff;
/** An error code a module may pass on from a tool call: a short identifier, nothing that could carry a payload. */
const MODULE_CODE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
let startupIds = 0;

/**
 * The isolate of one (tenant, module version): created on first use, its module compiled from the
 * host's code cache and evaluated under the watchdog. Entry calls use async `apply`, which runs on
 * isolated-vm's threads, so the host's event loop (and its watchdog) stays free while module code runs.
 * Its heap is measured between its tasks after every few ms of CPU, and it is recycled when it keeps
 * nearly its memory limit (heap-check.ts).
 */
export class SandboxInstance implements HeapTarget {
  readonly calls = new Map<number, CallRecord>();
  private readonly byTag = new Map<number, CallRecord>();
  /** Tags of the calls that ended since the watchdog last asked for the runners. */
  private readonly endedTags = new Set<number>();
  /** Counters of the current busy period (from the first call in flight to the last). */
  readonly period = { started: 0, storageOps: 0, httpRequests: 0 };
  httpActive = 0;
  readonly httpQueue: Array<() => void> = [];
  lastUsed = Date.now();
  lastCpuMs = 0;
  /** CPU used by no call in flight (after its calls ended, or by tasks of ended calls), ms; it leaks away slowly. */
  strayCpuMs = 0;
  quietTicks = 0;
  disposed = false;
  retired = false;
  readonly tasks = new TaskLog();
  readonly heap: HeapCheck;
  private lastTag = 0;
  private nextTag = 0;
  private failure: ProblemShape | undefined;
  private readonly isolate: ivm.Isolate;
  private dispatchRef: ivm.Reference<(tag: number, kind: string, name: string, input: string) => Promise<string>> | undefined;
  private settleRef: ivm.Reference<(id: number, envelope: string) => void> | undefined;
  private resumeRef: ivm.Reference<() => void> | undefined;
  private collectRef: ivm.Reference<() => void> | undefined;
  readonly ready: Promise<void>;

  constructor(
    readonly key: string,
    readonly config: IsolateConfig,
    private readonly host: InstanceHost,
  ) {
    const { memoryMb } = host.options.limits;
    this.isolate = new ivm.Isolate({ memoryLimit: memoryMb * V8_HEADROOM, onCatastrophicError: (m) => host.catastrophic(this, m) });
    this.heap = new HeapCheck(this, memoryMb * 1024 * 1024);
    this.ready = this.start();
    this.ready.catch(() => undefined);
  }

  /**
   * True when isolated-vm disposed the isolate by itself, which it does only at its memory limit. The
   * call that did it may go on for seconds in native code (JSON.parse of a huge text does not stop for
   * the termination), so the watchdog answers for it instead of waiting.
   */
  get endedByLimit(): boolean {
    return !this.disposed && this.isolate.isDisposed;
  }

  /** CPU the isolate has used, ms. */
  get cpuMs(): number {
    if (this.disposed) return this.lastCpuMs;
    try {
      return Number(this.isolate.cpuTime) / 1e6;
    } catch {
      return this.lastCpuMs;
    }
  }

  get moduleName(): string {
    return this.config.moduleKey;
  }

  private async start(): Promise<void> {
    const { limits } = this.host.options;
    const startup = this.track(--startupIds, 'hook', () => undefined);
    this.lastTag = startup.tag;
    try {
      const context = await this.isolate.createContext();
      const apiName = `__dogan_api_${randomBytes(8).toString('hex')}`;
      // Fire and forget: the isolate never waits on the host's event loop, so no time spent waiting
      // for it counts as the isolate's CPU (isolated-vm times a running task by the wall clock).
      const request = new ivm.Callback(
        (id: number, tag: number, op: string, target: string, args: string) => this.host.request(this, Number(id), Number(tag), String(op), String(target), String(args)),
        { ignored: true },
      );
      const boot = JSON.stringify({
        tenant: this.config.tenant,
        settings: this.config.settings,
        limits: { maxLogLines: limits.maxLogLinesPerCall, maxLogLineBytes: limits.maxLogLineBytes, maxResponseBytes: limits.maxResponseBytes },
        taskSlots: TASK_SLOTS,
        startupTag: startup.tag,
      });
      const taskLog = new ivm.ExternalCopy(this.tasks.buffer).copyInto();
      const entry = (await context.evalClosure(BOOTSTRAP_SOURCE, [request, boot, apiName, taskLog], {
        result: { reference: true },
      })) as unknown as ivm.Reference<Record<string, unknown>>;
      this.dispatchRef = entry.getSync('dispatch', { reference: true }) as never;
      this.settleRef = entry.getSync('settle', { reference: true }) as never;
      this.resumeRef = entry.getSync('resume', { reference: true }) as never;
      this.collectRef = entry.getSync('collect', { reference: true }) as never;
      const attach = entry.getSync('attach', { reference: true }) as unknown as ivm.Reference<(ns: unknown) => void>;
      const api = await this.isolate.compileModule(apiModuleSource(apiName), { filename: 'dogan:module' });
      const module = await this.host.code.compile(this.config.moduleKey, this.isolate);
      await module.instantiate(context, (specifier) => {
        if (specifier === 'dogan:module') return api;
        throw new Error(`only "dogan:module" can be imported; "${specifier}" cannot`);
      });
      await module.evaluate();
      await attach.apply(undefined, [module.namespace.derefInto()]);
      this.untrack(startup);
    } catch (err) {
      const problem = this.failure ?? this.classify(err, 'SANDBOX_MODULE_INVALID');
      this.terminate(problem);
      throw problem;
    }
  }

  /** Runs one entry call; the outcome goes to `call.finish` exactly once. */
  async invoke(kind: CallKind, id: number, name: string, input: string, finish: (o: CallOutcome) => void): Promise<void> {
    const call = this.track(id, kind, finish);
    try {
      await this.ready;
    } catch {
      return; // terminate() has finished every call with the startup problem
    }
    let raw: string;
    try {
      raw = await this.dispatchRef!.apply(undefined, [call.tag, kind, name, input], { result: { promise: true, copy: true } });
    } catch (err) {
      if (!this.disposed) this.terminate(this.classify(err, 'SANDBOX_MODULE_ERROR'));
      return;
    }
    // A call that did enough work is answered once the memory it left behind is known to fit.
    if (this.calls.has(call.id) && this.heap.due()) await this.checkHeap();
    if (!this.calls.has(call.id)) return;
    this.complete(call, raw);
  }

  /** Measures the heap and recycles the isolate (SANDBOX_MEMORY_LIMIT) when it holds nearly its limit. */
  async checkHeap(): Promise<void> {
    if (this.disposed) return;
    try {
      const verdict = await this.heap.check();
      if (verdict !== undefined && !this.disposed) this.terminate(this.problem('SANDBOX_MEMORY_LIMIT', verdict));
    } catch (err) {
      if (!this.disposed) this.terminate(this.classify(err, 'SANDBOX_MODULE_ERROR'));
    }
  }

  /** The call a task-log tag names, while it is in flight. */
  callByTag(tag: number): CallRecord | undefined {
    return this.byTag.get(tag);
  }

  /**
   * Who used the isolate since the watchdog last asked: the tasks started since then, or the one still
   * running when none started. Each task is a call in flight (`calls`, once per task), a call that
   * ended meanwhile (counted in `tasks` only: its CPU is its own and it is done), or work of a call
   * that had already ended before (`strays`).
   */
  runners(): { tasks: number; calls: CallRecord[]; strays: number } {
    const tags = this.tasks.started();
    if (tags.length > 0) this.lastTag = tags[tags.length - 1]!;
    else tags.push(this.lastTag);
    const calls: CallRecord[] = [];
    let strays = 0;
    for (const tag of tags) {
      const call = this.byTag.get(tag);
      if (call) calls.push(call);
      else if (!this.endedTags.has(tag)) strays++;
    }
    this.endedTags.clear();
    return { tasks: tags.length, calls, strays };
  }

  private complete(call: CallRecord, raw: unknown): void {
    if (typeof raw !== 'string') return this.end(call, { ok: false, error: this.problem('SANDBOX_INVALID_RESPONSE', 'not a string') });
    const cut = raw.indexOf('\u0000');
    if (cut > 0) this.host.logs(this, raw.slice(0, cut));
    const kind = raw.charAt(cut + 1);
    if (kind === 'E') {
      let thrown: { name?: string; message?: string; code?: string | null } = {};
      try {
        thrown = JSON.parse(raw.slice(cut + 2)) as typeof thrown;
      } catch {
        /* an unreadable error is still an error */
      }
      const message = String(thrown.message ?? 'error').split('\n')[0]!.slice(0, 500);
      if (thrown.name === 'RangeError' && ALLOCATION_FAILURE.test(message)) {
        return this.terminate(this.problem('SANDBOX_MEMORY_LIMIT', message));
      }
      // A tool's own error code reaches the agent that called it: the model can act on `LEAD_EXISTS`.
      const moduleCode = call.kind === 'tool' && typeof thrown.code === 'string' && MODULE_CODE.test(thrown.code) ? thrown.code : undefined;
      return this.end(call, { ok: false, error: call.breach ?? { code: 'SANDBOX_MODULE_ERROR', message, ...(moduleCode === undefined ? {} : { moduleCode }) } });
    }
    if (kind === 'T') return this.end(call, { ok: false, error: { code: 'SANDBOX_RESPONSE_TOO_LARGE', message: `${raw.slice(cut + 2)} bytes` } });
    this.end(call, { ok: true, raw: raw.slice(cut + 1) });
  }

  private track(id: number, kind: CallKind, finish: (o: CallOutcome) => void): CallRecord {
    const { limits } = this.host.options;
    this.nextTag = this.nextTag >= MAX_TAG ? 1 : this.nextTag + 1;
    const call: CallRecord = { id, tag: this.nextTag, kind, deadline: Date.now() + limits.wallMs[kind], cpuLimitMs: limits.cpuMs[kind], cpuMs: 0, breach: undefined, finish };
    this.calls.set(id, call);
    this.byTag.set(call.tag, call);
    this.period.started++;
    this.lastUsed = Date.now();
    this.host.watch(this);
    return call;
  }

  private untrack(call: CallRecord): void {
    this.calls.delete(call.id);
    this.byTag.delete(call.tag);
    if (this.endedTags.size < 10_000) this.endedTags.add(call.tag);
    if (this.calls.size > 0) return;
    this.period.started = 0;
    this.period.storageOps = 0;
    this.period.httpRequests = 0;
    if (this.retired) this.dispose();
  }

  private end(call: CallRecord, outcome: CallOutcome): void {
    if (!this.calls.has(call.id)) return;
    this.untrack(call);
    call.finish(outcome);
  }

  /** Delivers the result of a capability request back into the isolate (async: never blocks the host). */
  settle(reqId: number, envelope: string): void {
    if (this.disposed || !this.settleRef) return;
    this.settleRef.apply(undefined, [reqId, envelope]).catch((err: unknown) => {
      if (!this.disposed) this.terminate(this.classify(err, 'SANDBOX_MODULE_ERROR'));
    });
  }

  /** Ends the isolate after a breach: every call in flight fails with the problem. */
  terminate(problem: ProblemShape): void {
    if (this.failure) return;
    this.failure = problem;
    if (LIMIT_CODES.has(problem.code) || problem.code === 'SANDBOX_MODULE_INVALID') this.host.breach(this, problem);
    this.dispose();
    for (const call of [...this.calls.values()]) this.end(call, { ok: false, error: problem });
  }

  dispose(): void {
    if (this.disposed) return;
    this.lastCpuMs = this.cpuMs;
    this.disposed = true;
    try {
      this.isolate.dispose();
    } catch {
      /* already gone */
    }
    this.host.disposed(this);
  }

  /** Disposes once the calls in flight are done (new settings, eviction). */
  retire(): void {
    this.retired = true;
    if (this.calls.size === 0) this.dispose();
  }

  /** Heap V8 holds for the isolate plus its external memory, bytes (for the host's stats). */
  async heapBytes(): Promise<number> {
    if (this.disposed) return 0;
    const s = await this.isolate.getHeapStatistics();
    return s.total_heap_size + s.externally_allocated_size;
  }

  async heapUsedBytes(): Promise<number> {
    const s = await this.isolate.getHeapStatistics();
    return s.used_heap_size + s.externally_allocated_size;
  }

  async collect(): Promise<void> {
    await this.collectRef?.apply(undefined, []);
  }

  pause(): void {
    this.tasks.paused = true;
  }

  resume(): void {
    this.tasks.paused = false;
    if (this.disposed || !this.resumeRef) return;
    this.resumeRef.apply(undefined, []).catch((err: unknown) => {
      if (!this.disposed) this.terminate(this.classify(err, 'SANDBOX_MODULE_ERROR'));
    });
  }

  problem(code: string, detail: string): ProblemShape {
    return { code, message: `${this.config.moduleId}: ${detail}` };
  }

  private classify(err: unknown, fallback: string): ProblemShape {
    if (this.failure) return this.failure;
    if (err && typeof err === 'object' && 'code' in err && 'message' in err && typeof (err as ProblemShape).code === 'string' && String((err as ProblemShape).code).startsWith('SANDBOX_')) return err as ProblemShape;
    const message = String((err as Error)?.message ?? err).split('\n')[0]!.slice(0, 300);
    if (/memory limit/i.test(message)) return this.problem('SANDBOX_MEMORY_LIMIT', message);
    return this.problem(fallback, message);
  }
}
