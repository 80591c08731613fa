/** The sandbox: supervised host processes running untrusted modules in isolated-vm isolates. */
export { SandboxPool, type Invocation, type InvocationResult, type SandboxPoolHooks } from './sandbox-pool.js';
export { SandboxErrors, isSandboxCode, type SandboxErrorCode } from './errors.js';
export {
  DEFAULT_LIMITS,
  defaultSandboxOptions,
  resolveSandboxOptions,
  type CallKind,
  type NetworkPolicy,
  type SandboxLimits,
  type SandboxOptions,
  type SandboxOptionsInput,
} from './options.js';
export { isolateKey, type EmailRecipients, type ErpnextAccess, type ErpnextGrant, type HostStats, type IsolateConfig, type LogEntry, type ResolvedGrants, type RouteAnswer, type TenantInfo, type HttpGrant } from './protocol.js';
export { type QuarantineEntry } from './quarantine.js';
export { stableHash } from './stable-hash.js';
export { ERPNEXT_OPS, erpnextAllowed, erpnextVerb, eventAllowed } from './host/capabilities.js';
