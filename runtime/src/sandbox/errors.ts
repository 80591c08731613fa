import { defineErrors } from '../errors/dogan-error.js';

/**
 * The sandbox's error table. Statuses: a module that breaks a limit or answers badly is a failed
 * upstream, not a bad client request, so it is a 502 (504 when it ran out of wall-clock time); a
 * sandbox host that is down, an isolate that is saturated or a module suspended after crashing its
 * host is a 503 the client may retry.
 */
export const SandboxErrors = defineErrors({
  SANDBOX_UNAVAILABLE: { status: 503, title: 'Sandbox unavailable', message: 'The sandbox host running this module is restarting (%s); retry shortly' },
  SANDBOX_QUARANTINED: { status: 503, title: 'Module suspended', message: 'Module "%s" crashed its sandbox host and is suspended for this tenant for %s more seconds' },
  SANDBOX_BUSY: { status: 503, title: 'Module busy', message: 'Module "%s" has %s calls pending for this tenant; retry shortly' },
  SANDBOX_CPU_LIMIT: { status: 502, title: 'Module CPU limit', message: 'Module "%s" used more than %s ms of CPU in one call' },
  SANDBOX_MEMORY_LIMIT: { status: 502, title: 'Module memory limit', message: 'Module "%s" went over its memory limit: %s' },
  SANDBOX_TIMEOUT: { status: 504, title: 'Module timeout', message: 'Module "%s" did not answer within %s ms' },
  SANDBOX_MODULE_ERROR: { status: 502, title: 'Module error', message: 'Module "%s" failed: %s' },
  SANDBOX_MODULE_INVALID: { status: 502, title: 'Module cannot start', message: 'Module "%s" could not be loaded: %s' },
  SANDBOX_INVALID_RESPONSE: { status: 502, title: 'Invalid module response', message: 'Module "%s" returned an invalid response: %s' },
  SANDBOX_RESPONSE_TOO_LARGE: { status: 502, title: 'Module response too large', message: 'Module "%s" returned more than %s bytes' },
  SANDBOX_REQUEST_TOO_LARGE: { status: 413, title: 'Request too large for module', message: 'The request to module "%s" is larger than %s bytes' },
  SANDBOX_CODE_TOO_LARGE: { status: 422, title: 'Module bundle too large', message: 'The bundle of module "%s" is %s bytes; the limit is %s' },
  SANDBOX_PERMISSION_DENIED: { status: 502, title: 'Module permission denied', message: 'Module "%s" used %s without the grant' },
  SANDBOX_STORAGE_LIMIT: { status: 502, title: 'Module storage limit', message: 'Module "%s" went over a storage limit: %s' },
  SANDBOX_HTTP_LIMIT: { status: 502, title: 'Module outbound HTTP limit', message: 'Module "%s" went over an outbound HTTP limit: %s' },
  SANDBOX_HTTP_FORBIDDEN: { status: 502, title: 'Module outbound HTTP refused', message: 'Module "%s" may not fetch %s' },
  SANDBOX_LOG_LIMIT: { status: 502, title: 'Module log limit', message: 'Module "%s" wrote more than %s log lines in one call' },
  SANDBOX_EVENT_LOOP: { status: 502, title: 'Module event loop', message: 'Module "%s" emitted "%s" at depth %s; events nest at most %s deep' },
  SANDBOX_NO_INVOCATION: { status: 502, title: 'Work outside a call', message: 'Module "%s" used %s after its call had ended' },
});

/** Codes a sandbox breach can carry (what `/metrics` counts). */
export type SandboxErrorCode = keyof typeof SandboxErrors;

export function isSandboxCode(code: unknown): code is SandboxErrorCode {
  return typeof code === 'string' && Object.hasOwn(SandboxErrors, code);
}
