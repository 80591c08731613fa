/**
 * Frames between the kernel and a sandbox host. Each frame is a small JSON header plus an opaque
 * payload (a JSON text the other side may pass on without parsing: request input, response body,
 * capability arguments and results).
 */
import type { CallKind } from './options.js';

/** What a module may know about its tenant (`tenant` in the module API). */
export interface TenantInfo {
  readonly id: string;
  readonly locale: string;
  readonly timezone: string;
  readonly plan: string;
}

/** A granted `http` permission: URL patterns and methods. */
export interface HttpGrant {
  readonly urls: readonly string[];
  readonly methods: readonly string[];
}

/** What an `erpnext` grant allows: `read` (list, get) < `write` (create, update, delete) < `submit` (submit, cancel). */
export type ErpnextAccess = 'read' | 'write' | 'submit';

/** A granted `erpnext` permission: the doctypes (exact Frappe names) and the access on them. */
export interface ErpnextGrant {
  readonly doctypes: readonly string[];
  readonly access: ErpnextAccess;
}

/** Whom a granted `email` permission lets a module write to: the tenant's own addresses, or anyone. */
export type EmailRecipients = 'tenant' | 'any';

/** The permissions a tenant granted, flattened for the checks done on every call. */
export interface ResolvedGrants {
  /** Collections the module may use (the manifest's, when a storage permission is granted). */
  readonly collections: readonly string[];
  readonly http: readonly HttpGrant[];
  /** Event types the module may emit; a trailing `*` matches a prefix. */
  readonly emit: readonly string[];
  /** Documents the module may reach through the tenant's ERPNext connections. */
  readonly erpnext: readonly ErpnextGrant[];
  /** Whom `email.send` may write to (the widest granted `email` permission); null or absent: no email. */
  readonly email?: EmailRecipients | null;
}

/** Everything a host needs to build the isolate of one (tenant, module version). */
export interface IsolateConfig {
  readonly tenant: TenantInfo;
  readonly moduleId: string;
  readonly version: string;
  /** `id@version`: the compiled code this isolate runs. */
  readonly moduleKey: string;
  readonly grants: ResolvedGrants;
  readonly settings: unknown;
}

/** One line of a module's log. */
export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  /** JSON text of the structured data, or null. */
  readonly data: string | null;
  readonly at: string;
}

export interface ProblemShape {
  readonly code: string;
  readonly message: string;
  /** The `code` of what a tool handler threw (`LEAD_EXISTS`), with SANDBOX_MODULE_ERROR; other kinds leave it out. */
  readonly moduleCode?: string;
}

export type KernelToHost =
  | { t: 'load'; module: string }
  | { t: 'configure'; iso: string; config: IsolateConfig }
  | { t: 'call'; id: number; iso: string; kind: CallKind; name: string }
  | { t: 'evict'; iso: string }
  | { t: 'capResult'; id: number; ok: true }
  | { t: 'capResult'; id: number; ok: false; error: ProblemShape }
  | { t: 'stats'; id: number };

/** A route's answer; the body is the frame payload. */
export interface RouteAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** True when the body is text to send as is, false when it is JSON. */
  readonly text: boolean;
}

export interface HostStats {
  readonly pid: number;
  readonly isolates: number;
  readonly rssBytes: number;
  readonly heapBytes: number;
  readonly compiledModules: number;
  /** Isolates this host process recycled because they, or the host, were near a memory limit. */
  readonly memoryRecycled: number;
}

export type HostToKernel =
  | { t: 'ready'; pid: number }
  | { t: 'result'; id: number; ok: true; answer: RouteAnswer | null }
  | { t: 'result'; id: number; ok: false; error: ProblemShape }
  | { t: 'cap'; id: number; call: number; op: string }
  | { t: 'log'; iso: string; tenant: string; module: string; entries: LogEntry[] }
  | { t: 'breach'; tenant: string; module: string; code: string; detail: string }
  /** The host is about to end; `iso` names the isolate whose catastrophic error ends it, when one does. */
  | { t: 'fatal'; message: string; iso?: string }
  | { t: 'stats'; id: number; stats: HostStats };

/** The isolate key: one isolate per (tenant, module version). */
export function isolateKey(tenantId: string, moduleKey: string): string {
  return `${tenantId}|${moduleKey}`;
}
