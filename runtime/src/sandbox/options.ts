import { availableParallelism } from 'node:os';

/** What a call is: it picks the CPU and wall-clock limits. `tool` is an agent's call of one of the module's agent tools. */
export type CallKind = 'route' | 'event' | 'job' | 'hook' | 'tool';

/** Per-isolate and per-call limits. Defaults come from ARCHITECTURE.md ("Limits with defaults"). */
export interface SandboxLimits {
  /** Memory one isolate may hold, MB (isolated-vm's minimum is 8); V8 gets headroom above it (host/heap-check.ts). */
  readonly memoryMb: number;
  /** CPU a call may use, ms, by kind (route and event 100, job, hook and tool 1000). */
  readonly cpuMs: Readonly<Record<CallKind, number>>;
  /** Wall-clock deadline of a call, ms, by kind. */
  readonly wallMs: Readonly<Record<CallKind, number>>;
  /** Calls in flight per isolate before new ones are refused with SANDBOX_BUSY. */
  readonly maxPendingCalls: number;
  /** Storage operations while calls are in flight, per call started. */
  readonly maxStorageOpsPerCall: number;
  /** Largest stored document, bytes of JSON. */
  readonly maxStorageValueBytes: number;
  /** Largest page a query returns. */
  readonly maxQueryLimit: number;
  readonly maxHttpRequestsPerCall: number;
  /** Outbound requests running at once per isolate; more wait in a queue. */
  readonly maxHttpConcurrency: number;
  readonly httpTimeoutMs: number;
  readonly maxHttpResponseBytes: number;
  readonly maxHttpRedirects: number;
  readonly maxLogLinesPerCall: number;
  readonly maxLogLineBytes: number;
  readonly maxRequestBytes: number;
  readonly maxResponseBytes: number;
  readonly maxCodeBytes: number;
  /** Longest `sleep(ms)`. */
  readonly maxSleepMs: number;
  /** How deep events emitted by event handlers may nest (loop cap). */
  readonly maxEventDepth: number;
}

/**
 * Outbound network policy of the sandbox hosts. Strict by default: private, loopback, link-local and
 * metadata addresses are refused. Tests map a test host name to 127.0.0.1 with `trustedHosts`;
 * nothing else changes, so every other SSRF check still runs against loopback.
 */
export interface NetworkPolicy {
  /** Host name → address, used instead of DNS; these names may resolve to private addresses. */
  readonly trustedHosts: Readonly<Record<string, string>>;
  /** Host name → address, used instead of DNS and still checked (tests of "a name resolving to a private address"). */
  readonly dnsOverrides: Readonly<Record<string, string>>;
}

/** Options of the sandbox pool. */
export interface SandboxOptions {
  /** Sandbox-host processes at most; default one per core. Each starts on its first call, not before. */
  readonly hosts: number;
  /** A host that has had no call this long stops (its isolates with it) until it is needed again, ms. */
  readonly hostIdleMs: number;
  readonly limits: SandboxLimits;
  /** An isolate unused this long is disposed. */
  readonly isolateIdleMs: number;
  /** V8 heap all isolates of one host may hold before the least recently used idle ones are disposed, MB. */
  readonly hostMemoryBudgetMb: number;
  /** Resident memory of one host process above which its largest isolates are recycled, MB. */
  readonly hostRssMb: number;
  /** How long a module that crashed its host stays suspended for its tenant, ms. */
  readonly quarantineMs: number;
  readonly maxIsolatesPerHost: number;
  /** Period of the one CPU / deadline watchdog of each host, ms. */
  readonly watchdogIntervalMs: number;
  readonly network: NetworkPolicy;
}

export const DEFAULT_LIMITS: SandboxLimits = Object.freeze({
  memoryMb: 64,
  cpuMs: Object.freeze({ route: 100, event: 100, job: 1000, hook: 1000, tool: 1000 }),
  wallMs: Object.freeze({ route: 10_000, event: 10_000, job: 60_000, hook: 30_000, tool: 60_000 }),
  maxPendingCalls: 64,
  maxStorageOpsPerCall: 500,
  maxStorageValueBytes: 256 * 1024,
  maxQueryLimit: 100,
  maxHttpRequestsPerCall: 20,
  maxHttpConcurrency: 4,
  httpTimeoutMs: 5_000,
  maxHttpResponseBytes: 1024 * 1024,
  maxHttpRedirects: 3,
  maxLogLinesPerCall: 100,
  maxLogLineBytes: 2048,
  maxRequestBytes: 1024 * 1024,
  maxResponseBytes: 1024 * 1024,
  maxCodeBytes: 5 * 1024 * 1024,
  maxSleepMs: 2_000,
  maxEventDepth: 4,
});

export function defaultSandboxOptions(): SandboxOptions {
  return {
    hosts: availableParallelism(),
    hostIdleMs: 10 * 60_000,
    limits: DEFAULT_LIMITS,
    isolateIdleMs: 5 * 60_000,
    hostMemoryBudgetMb: 1024,
    hostRssMb: 2048,
    quarantineMs: 10 * 60_000,
    maxIsolatesPerHost: 2000,
    watchdogIntervalMs: 10,
    network: { trustedHosts: {}, dnsOverrides: {} },
  };
}

/** Options deep enough to override one limit without restating the others. */
export type SandboxOptionsInput = Partial<Omit<SandboxOptions, 'limits' | 'network'>> & {
  limits?: Partial<Omit<SandboxLimits, 'cpuMs' | 'wallMs'>> & { cpuMs?: Partial<Record<CallKind, number>>; wallMs?: Partial<Record<CallKind, number>> };
  network?: Partial<NetworkPolicy>;
};

export function resolveSandboxOptions(input: SandboxOptionsInput = {}): SandboxOptions {
  const base = defaultSandboxOptions();
  const limits = input.limits ?? {};
  return {
    ...base,
    ...input,
    limits: {
      ...base.limits,
      ...limits,
      cpuMs: { ...base.limits.cpuMs, ...limits.cpuMs },
      wallMs: { ...base.limits.wallMs, ...limits.wallMs },
    },
    network: { ...base.network, ...input.network },
  };
}
