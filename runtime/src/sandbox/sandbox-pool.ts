import { Counter, Gauge, type Registry } from 'prom-client';
import { DoganError, isDoganError } from '../errors/dogan-error.js';
import { isUnavailableError } from '../errors/unavailable.js';
import { unavailable } from '../http/problem.js';
import { SandboxErrors, isSandboxCode } from './errors.js';
import type { Frame } from './frame-channel.js';
import { HostProcess } from './host-process.js';
import { resolveSandboxOptions, type CallKind, type SandboxOptions, type SandboxOptionsInput } from './options.js';
import { isolateKey, type HostStats, type HostToKernel, type IsolateConfig, type LogEntry, type ProblemShape, type RouteAnswer } from './protocol.js';
import { Quarantine, type QuarantineEntry } from './quarantine.js';
import { stableHash } from './stable-hash.js';

/** One call into a module, as the kernel describes it. */
export interface Invocation {
  readonly config: IsolateConfig;
  /** The verified bundle; sent to a host once per module version. */
  readonly code: string;
  readonly kind: CallKind;
  /** Handler name in the bundle's `routes`, `events`, `jobs`, `hooks` or `tools` export. */
  readonly name: string;
  /** JSON text handed to the handler. */
  readonly input: string;
  /** How deep in an event chain this call is (0 for routes, jobs and tools). */
  readonly depth: number;
  /** Anything the capability handler needs about the call (e.g. the tenant record); the pool does not read it. */
  readonly context?: unknown;
}

/** A finished call: a route's answer and body, or (other kinds) the handler's return value as JSON in `body`. */
export interface InvocationResult {
  readonly answer: RouteAnswer | null;
  readonly body: Buffer;
}

/** What the kernel side provides to the pool: storage and events, and where logs and breaches go. */
export interface SandboxPoolHooks {
  /** Runs a storage or event operation for a call in flight; resolves to the JSON text of the value. */
  capability(invocation: Invocation, op: string, args: Buffer): Promise<string>;
  log?(invocation: { tenantId: string; moduleKey: string }, entries: LogEntry[]): void;
  breach?(breach: { tenantId: string; moduleKey: string; code: string; detail: string }): void;
}

interface PendingCall {
  readonly invocation: Invocation;
  readonly host: HostProcess;
  readonly deadline: number;
  /** Set when a capability failed because a database was unavailable: a module error then is a 503. */
  dependencyUnavailable?: boolean;
  resolve(result: InvocationResult): void;
  reject(err: DoganError): void;
}

/** Codes a host reports in results only (the others arrive as breach frames). */
const RESULT_BREACHES = new Set(['SANDBOX_RESPONSE_TOO_LARGE', 'SANDBOX_INVALID_RESPONSE', 'SANDBOX_BUSY']);
const KERNEL_BREACHES = new Set(['SANDBOX_EVENT_LOOP', 'SANDBOX_PERMISSION_DENIED', 'SANDBOX_STORAGE_LIMIT', 'SANDBOX_NO_INVOCATION']);
/** A call this long past its deadline means the host itself is stuck: it is replaced. */
const WEDGED_MS = 5_000;

function sandboxError(problem: ProblemShape): DoganError {
  const code = isSandboxCode(problem.code) ? problem.code : 'SANDBOX_MODULE_ERROR';
  const extensions = code === 'SANDBOX_MODULE_ERROR' && typeof problem.moduleCode === 'string' ? { moduleCode: problem.moduleCode.slice(0, 64) } : undefined;
  return new DoganError(code, SandboxErrors[code].spec, String(problem.message).slice(0, 500), extensions);
}

/** Refusal of a suspended module's call; `retryAfter` (seconds) becomes the answer's Retry-After. */
function quarantined(moduleId: string, entry: QuarantineEntry): DoganError {
  const seconds = Math.max(1, Math.ceil((entry.until - Date.now()) / 1000));
  return SandboxErrors.SANDBOX_QUARANTINED.with({ retryAfter: seconds }, moduleId, seconds);
}

/**
 * The kernel's side of the sandbox: up to N supervised host processes, tenants spread over them by a
 * stable hash of the tenant id, calls multiplexed over each host's frame channel. A host starts on the
 * first call for one of its tenants (a platform nobody calls runs none) and stops after `hostIdleMs`
 * without calls; so hosts follow demand, up to the configured count. A host that exits
 * fails its calls in flight with SANDBOX_UNAVAILABLE and is started again; later calls wait for it.
 * When the host named the module that ended it, that module is suspended for its tenant and the host
 * comes back at once; a host that keeps dying for no known module is restarted with growing pauses.
 */
export class SandboxPool {
  readonly options: SandboxOptions;
  private readonly hosts: HostProcess[] = [];
  private readonly calls = new Map<number, PendingCall>();
  private readonly statsWaiting = new Map<number, (s: HostStats) => void>();
  private nextId = 0;
  private closed = false;
  private readonly breaches: Counter<'code'>;
  private readonly restarts: Counter;
  private readonly backstop: NodeJS.Timeout;
  private readonly restartTimes: number[][] = [];
  private readonly quarantine = new Quarantine();
  /** JSON of the configurations callers reuse (one object per install), so a call does not stringify it again. */
  private readonly configTexts = new WeakMap<IsolateConfig, string>();

  constructor(
    input: SandboxOptionsInput,
    private readonly hooks: SandboxPoolHooks,
    registry?: Registry,
  ) {
    this.options = resolveSandboxOptions(input);
    const registers = registry ? [registry] : [];
    this.breaches = new Counter({ name: 'sandbox_breaches_total', help: 'Module limit breaches, by problem code', labelNames: ['code'] as const, registers });
    this.restarts = new Counter({ name: 'sandbox_host_restarts_total', help: 'Sandbox host processes replaced after exiting', registers });
    const hosts = this.hosts;
    new Gauge({ name: 'sandbox_hosts_running', help: 'Sandbox host processes running or starting (they start on demand)', registers, collect() { this.set(hosts.filter((h) => !h.dormant).length); } });
    for (let i = 0; i < this.options.hosts; i++) {
      this.hosts.push(new HostProcess(i, this.options, { frame: (h, f) => this.onFrame(h, f), exit: (h, r) => this.onExit(h, r) }));
      this.restartTimes.push([]);
    }
    this.backstop = setInterval(() => {
      this.failOverdue();
      this.stopIdleHosts();
    }, 1000);
    this.backstop.unref();
  }

  /** Starts every host now instead of on first use (benchmarks and tests of the supervisor). */
  async start(): Promise<void> {
    await Promise.all(this.hosts.map((h) => (h.dormant ? (h.ready = h.start()) : h.ready)));
  }

  /** How many host processes are running or starting. */
  runningHosts(): number {
    return this.hosts.filter((h) => !h.dormant).length;
  }

  /** The host a tenant's isolates live on. */
  hostIndexFor(tenantId: string): number {
    return stableHash(tenantId) % this.hosts.length;
  }

  hostPid(index: number): number | undefined {
    return this.hosts[index]?.pid;
  }

  /** Ends a host abruptly (tests and benchmarks of the supervisor). */
  killHost(index: number, signal: NodeJS.Signals = 'SIGKILL'): void {
    this.hosts[index]?.kill(signal);
  }

  /** Waits until every host that is not dormant is up (after a restart). */
  async ready(): Promise<void> {
    await Promise.all(this.hosts.filter((h) => !h.dormant).map((h) => h.ready));
  }

  async invoke(invocation: Invocation): Promise<InvocationResult> {
    if (this.closed) throw SandboxErrors.SANDBOX_UNAVAILABLE('the platform is shutting down');
    const { config } = invocation;
    const suspended = this.quarantine.get(config.tenant.id, config.moduleKey);
    if (suspended) throw quarantined(config.moduleId, suspended);
    const host = this.hosts[this.hostIndexFor(config.tenant.id)]!;
    host.lastCallAt = Date.now();
    if (host.dormant) {
      host.ready = host.start();
      host.ready.catch(() => undefined);
    }
    if (!host.alive) {
      try {
        await withTimeout(host.ready, this.options.limits.wallMs[invocation.kind]);
      } catch {
        throw SandboxErrors.SANDBOX_UNAVAILABLE(`host ${host.index} is not running`);
      }
    }
    if (invocation.code.length > this.options.limits.maxCodeBytes) {
      throw SandboxErrors.SANDBOX_CODE_TOO_LARGE(config.moduleId, invocation.code.length, this.options.limits.maxCodeBytes);
    }
    if (!host.loaded.has(config.moduleKey)) {
      host.send({ t: 'load', module: config.moduleKey }, invocation.code);
      host.loaded.add(config.moduleKey);
    }
    const iso = isolateKey(config.tenant.id, config.moduleKey);
    let configText = this.configTexts.get(config);
    if (configText === undefined) this.configTexts.set(config, (configText = JSON.stringify(config)));
    if (host.configured.get(iso) !== configText) {
      host.send({ t: 'configure', iso, config });
      host.configured.set(iso, configText);
      host.isolates.set(iso, config);
    }
    const id = ++this.nextId;
    const deadline = Date.now() + this.options.limits.wallMs[invocation.kind];
    return new Promise<InvocationResult>((resolve, reject) => {
      this.calls.set(id, { invocation, host, deadline, resolve, reject });
      host.send({ t: 'call', id, iso, kind: invocation.kind, name: invocation.name }, invocation.input);
    });
  }

  /** The suspension of a tenant's module version after it crashed its host, while it lasts. */
  quarantined(tenantId: string, moduleKey: string): QuarantineEntry | undefined {
    return this.quarantine.get(tenantId, moduleKey);
  }

  /** Disposes a tenant's isolate of a module version on every host (disable, uninstall). */
  evict(tenantId: string, moduleKey: string): void {
    const iso = isolateKey(tenantId, moduleKey);
    for (const host of this.hosts) {
      if (!host.configured.has(iso)) continue;
      host.configured.delete(iso);
      host.send({ t: 'evict', iso });
    }
  }

  /** Each host's statistics, by host index; undefined for a host that is not running. */
  async stats(): Promise<Array<HostStats | undefined>> {
    return Promise.all(
      this.hosts.map((host) =>
        !host.alive
          ? undefined
          : new Promise<HostStats>((resolve) => {
            const id = ++this.nextId;
            this.statsWaiting.set(id, resolve);
            host.send({ t: 'stats', id });
          }),
      ),
    );
  }

  /** Counts a breach in `/metrics` and hands it to the hooks (the module's log). */
  recordBreach(tenantId: string, moduleKey: string, code: string, detail: string): void {
    this.breaches.inc({ code: isSandboxCode(code) ? code : 'OTHER' });
    this.hooks.breach?.({ tenantId, moduleKey, code, detail });
  }

  private onFrame(host: HostProcess, { header, payload }: Frame<HostToKernel>): void {
    switch (header.t) {
      case 'result': {
        const call = this.calls.get(header.id);
        if (!call) return;
        this.calls.delete(header.id);
        if (header.ok) return call.resolve({ answer: header.answer, body: payload });
        if (RESULT_BREACHES.has(header.error.code)) this.recordBreach(call.invocation.config.tenant.id, call.invocation.config.moduleKey, header.error.code, header.error.message);
        // The module failed because our storage could not answer: the client may retry, it is not the module's fault.
        if (call.dependencyUnavailable && header.error.code === 'SANDBOX_MODULE_ERROR') return call.reject(unavailable());
        return call.reject(sandboxError(header.error));
      }
      case 'cap':
        return void this.onCapability(host, header.id, header.call, header.op, payload);
      case 'log':
        return this.hooks.log?.({ tenantId: header.tenant, moduleKey: header.module }, header.entries);
      case 'breach':
        return this.recordBreach(header.tenant, header.module, header.code, header.detail);
      case 'stats':
        this.statsWaiting.get(header.id)?.(header.stats);
        this.statsWaiting.delete(header.id);
        return;
      case 'fatal': {
        // The isolate is named by the host, but who it belongs to comes from what this pool sent it.
        const config = header.iso === undefined ? undefined : host.isolates.get(header.iso);
        if (config) host.culprits.set(header.iso!, { config, reason: String(header.message).slice(0, 200) });
        this.recordBreach('-', '-', 'SANDBOX_UNAVAILABLE', header.message);
        return;
      }
    }
  }

  /** Tenant and module come from the kernel's own record of the call, never from the host's frame. */
  private async onCapability(host: HostProcess, capId: number, callId: number, op: string, args: Buffer): Promise<void> {
    const call = this.calls.get(callId);
    const generation = host.generation;
    let reply: { ok: true; value: string } | { ok: false; error: ProblemShape };
    if (!call || call.host !== host) {
      reply = { ok: false, error: { code: 'SANDBOX_NO_INVOCATION', message: `${op} outside a call in flight` } };
    } else {
      try {
        reply = { ok: true, value: await this.hooks.capability(call.invocation, op, args) };
      } catch (err) {
        const down = !isDoganError(err) && isUnavailableError(err);
        if (down) call.dependencyUnavailable = true;
        const problem = isDoganError(err)
          ? { code: err.code, message: err.message }
          : down
            ? { code: 'SERVICE_UNAVAILABLE', message: 'the platform storage is unavailable; retry shortly' }
            : { code: 'SANDBOX_CAPABILITY_FAILED', message: 'the operation failed' };
        if (KERNEL_BREACHES.has(problem.code)) this.recordBreach(call.invocation.config.tenant.id, call.invocation.config.moduleKey, problem.code, problem.message);
        reply = { ok: false, error: problem };
      }
    }
    if (host.generation !== generation) return;
    if (reply.ok) host.send({ t: 'capResult', id: capId, ok: true }, reply.value);
    else host.send({ t: 'capResult', id: capId, ok: false, error: reply.error });
  }

  private onExit(host: HostProcess, reason: string): void {
    for (const [id, call] of this.calls) {
      if (call.host !== host) continue;
      this.calls.delete(id);
      call.reject(SandboxErrors.SANDBOX_UNAVAILABLE(reason));
    }
    if (this.closed) return;
    this.restarts.inc();
    // A crash its culprit answers for costs the other tenants no pause: the culprit cannot repeat it.
    const delay = this.suspendCulprits(host) ? 0 : this.backoff(host.index);
    // Calls that arrive meanwhile wait on this promise instead of failing at once.
    host.ready = new Promise<void>((resolve, reject) => {
      setTimeout(() => {
        if (this.closed) return reject(new Error('closed'));
        host.start().then(resolve, reject);
      }, delay).unref();
    });
    host.ready.catch(() => undefined);
  }

  /** Suspends the modules a host named as ending it; true when there was one. */
  private suspendCulprits(host: HostProcess): boolean {
    for (const { config, reason } of host.culprits.values()) {
      const entry = this.quarantine.add(config.tenant.id, config.moduleKey, this.options.quarantineMs, reason);
      const until = new Date(entry.until).toISOString();
      this.recordBreach(config.tenant.id, config.moduleKey, 'SANDBOX_QUARANTINED', `${config.moduleId}: crashed its sandbox host (${reason}); its calls are refused until ${until}`);
    }
    return host.culprits.size > 0;
  }

  /** A host that keeps dying for no known module is restarted with growing pauses, so a crash loop cannot eat the CPU. */
  private backoff(index: number): number {
    const now = Date.now();
    const recent = this.restartTimes[index]!.filter((t) => now - t < 10_000);
    recent.push(now);
    this.restartTimes[index] = recent;
    return recent.length <= 3 ? 0 : Math.min(5_000, 100 * 2 ** (recent.length - 3));
  }

  /** Stops hosts that have had no call for `hostIdleMs` and have none in flight; the next call starts them again. */
  private stopIdleHosts(): void {
    const now = Date.now();
    for (const host of this.hosts) {
      if (host.dormant || !host.alive || now - host.lastCallAt < this.options.hostIdleMs) continue;
      if ([...this.calls.values()].some((c) => c.host === host)) continue;
      host.dormant = true;
      void host.stop();
    }
  }

  /** The kernel's backstop for the hosts' own deadlines. */
  private failOverdue(): void {
    const now = Date.now();
    const wedged = new Set<HostProcess>();
    for (const [id, call] of this.calls) {
      if (now < call.deadline + 1000) continue;
      this.calls.delete(id);
      call.reject(SandboxErrors.SANDBOX_TIMEOUT(call.invocation.config.moduleId, this.options.limits.wallMs[call.invocation.kind]));
      if (now > call.deadline + WEDGED_MS) wedged.add(call.host);
    }
    for (const host of wedged) host.kill();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.backstop);
    await Promise.all(this.hosts.map((h) => h.stop()));
    for (const [id, call] of this.calls) {
      this.calls.delete(id);
      call.reject(SandboxErrors.SANDBOX_UNAVAILABLE('the platform is shutting down'));
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
