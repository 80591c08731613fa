import { defineErrors } from '@dogan/runtime';

/** The modules plugin's error table (the sandbox's own codes are in runtime/src/sandbox/errors.ts). */
export const ModuleErrors = defineErrors({
  MODULE_NOT_FOUND: { status: 404, title: 'Module not found', message: 'No module "%s" is loaded on this platform' },
  MODULE_NOT_ENABLED: { status: 404, title: 'Module not enabled', message: 'Module "%s" is not enabled for this tenant' },
  MODULE_CHANGING: { status: 503, title: 'Module being changed', message: 'Module "%s" is being upgraded or uninstalled for this tenant; retry shortly' },
  MODULE_ROUTE_NOT_FOUND: { status: 404, title: 'Module route not found', message: 'Module "%s" has no route %s %s' },
  MODULE_INVALID: { status: 422, title: 'Invalid module', message: 'The module in %s is invalid: %s' },
  MODULE_GRANT_MISSING: { status: 422, title: 'Required permission not granted', message: 'Module "%s" requires permission "%s"' },
  MODULE_GRANT_UNKNOWN: { status: 422, title: 'Unknown permission', message: 'Module "%s" does not request a permission named "%s"' },
  MODULE_SETTINGS_INVALID: { status: 422, title: 'Invalid module settings', message: 'Settings of module "%s" are invalid: %s' },
  MODULE_JOB_NOT_FOUND: { status: 404, title: 'Module job not found', message: 'Module "%s" declares no job "%s"' },
  MODULE_TOOL_NOT_FOUND: { status: 404, title: 'Module tool not found', message: 'Module "%s" declares no agent tool "%s"' },
  MODULE_TOOL_NOT_GRANTED: { status: 403, title: 'Module tools not granted', message: 'This tenant has not granted module "%s" the permission to offer agent tools' },
  MODULE_TOOL_ARGUMENTS_INVALID: { status: 400, title: 'Invalid tool arguments', message: 'Arguments of tool "%s" of module "%s" are invalid: %s' },
  MODULE_TOOL_IDEMPOTENCY_KEY_INVALID: { status: 400, title: 'Invalid idempotency key', message: 'A tool call needs an idempotency key of 1 to %s characters' },
  MODULE_TOOL_FAILED: { status: 502, title: 'Module tool failed', message: 'Tool "%s" of module "%s" failed: %s' },
  MODULE_STORAGE_INVALID: { status: 400, title: 'Invalid storage operation', message: '%s' },
  MODULE_CAPABILITY_UNAVAILABLE: { status: 501, title: 'Capability unavailable', message: 'The %s capability needs the %s plugin, which this platform does not load' },
  MODULE_STORAGE_CONFLICT: { status: 409, title: 'Storage conflict', message: 'Collection "%s" already has a document with id "%s" or the same unique index value' },
});
