import { defineErrors } from './errors/dogan-error.js';

/** The kernel's error table. Codes are stable: clients and tests match on them. */
export const KernelErrors = defineErrors({
  // Configuration
  CONFIG_INVALID: { status: 500, title: 'Invalid configuration', message: '%s' },

  // Plugin loading
  PLUGIN_DEFINITION_INVALID: { status: 500, title: 'Invalid plugin definition', message: 'Plugin "%s": %s' },
  PLUGIN_NOT_FOUND: { status: 500, title: 'Unknown plugin', message: 'Plugin "%s" is not a first-party plugin and could not be imported: %s' },
  PLUGIN_DUPLICATE: { status: 500, title: 'Duplicate plugin', message: 'Plugin "%s" is listed twice (%s)' },
  PLUGIN_DEPENDENCY_MISSING: { status: 500, title: 'Missing plugin dependency', message: 'Plugin "%s" depends on "%s" (%s), which is not loaded; add it to DOGAN_PLUGINS' },
  PLUGIN_DEPENDENCY_INCOMPATIBLE: { status: 500, title: 'Incompatible plugin dependency', message: 'Plugin "%s" needs "%s" %s, but version %s is loaded' },
  PLUGIN_KERNEL_INCOMPATIBLE: { status: 500, title: 'Plugin needs another kernel', message: 'Plugin "%s" supports kernel %s, but this kernel is %s' },
  PLUGIN_CYCLE: { status: 500, title: 'Plugin dependency cycle', message: 'Plugins depend on each other in a cycle: %s' },
  PLUGIN_SERVICE_UNDECLARED: { status: 500, title: 'Undeclared plugin service', message: 'Plugin "%s" %s service "%s" without declaring it in %s' },
  PLUGIN_SERVICE_MISSING: { status: 500, title: 'Plugin service not provided', message: 'Service "%s", used by plugin "%s", is provided by no loaded plugin; add its provider to DOGAN_PLUGINS' },
  PLUGIN_SERVICE_DUPLICATE: { status: 500, title: 'Service provided twice', message: 'Service "%s" is provided by both plugin "%s" and plugin "%s"; load only one of them' },
  PLUGIN_CONFIG_CONFLICT: { status: 500, title: 'Config variable declared twice', message: 'Config variable %s is declared by both %s and %s' },
  PLUGIN_INIT_FAILED: { status: 500, title: 'Plugin failed to start', message: 'Plugin "%s" failed in %s: %s' },

  // Route policy (route-policy.ts)
  ROUTE_POLICY_MISSING: { status: 500, title: 'Route without a policy', message: 'Route %s %s declares no policy; add config.policy ({ auth, scope }) to its options' },
  ROUTE_POLICY_INVALID: { status: 500, title: 'Invalid route policy', message: 'The policy of route %s %s cannot be enforced: %s' },
  PLUGIN_ROUTE_GUARD_INVALID: { status: 500, title: 'Unknown route guard stage', message: 'Plugin "%s" contributed a guard to stage "%s"; the stages are %s' },
  PLUGIN_ROUTE_GUARD_DUPLICATE: { status: 500, title: 'Route guard contributed twice', message: 'The "%s" stage of the route policy is contributed by plugin "%s" and again by plugin "%s"' },

  // HTTP edge
  ROUTE_NOT_FOUND: { status: 404, title: 'Not found', message: 'No route matches %s %s' },
  INVALID_JSON: { status: 400, title: 'Malformed JSON body', message: 'The request body is not valid JSON: %s' },
  VALIDATION_FAILED: { status: 400, title: 'Invalid request', message: 'The request %s is invalid: %s' },
  BODY_TOO_LARGE: { status: 413, title: 'Request body too large', message: 'The request body is larger than the %s bytes this route accepts' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', message: 'Content-Type "%s" is not accepted here; send application/json' },
  BAD_REQUEST: { status: 400, title: 'Bad request', message: '%s' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', message: '%s' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required', message: '%s' },
  FORBIDDEN: { status: 403, title: 'Forbidden', message: '%s' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable', message: '%s' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error', message: 'Something went wrong on our side; the request id identifies it in our logs' },
});
