/** @dogan/runtime: the kernel's public surface for plugins, the CLI and tests. */
export { buildKernel, resolveConfiguredPlugins, resolvePlatformConfig, type Kernel, type KernelOptions, type PlatformConfig } from './kernel.js';
export { startServer, type RunningServer } from './server.js';
export { KERNEL_VERSION } from './kernel-version.js';
export { loadConfig, loadSchemaConfig, describeConfig, readConfigSource, secretVariableNames, type ConfigSource, type LoadConfigOptions } from './config/load-config.js';
export { mergedConfigSchema } from './config/plugin-config.js';
export { bool, int, oneOf, optionalInt, optionalStr, optionalUrl, str, maskValue, type VariableSpec } from './config/variables.js';
export { kernelConfigSchema, type Config, type ConfigName, type ConfigSchema, type ConfigValues } from './config/schema.js';
export { createLogger } from './logger.js';
export {
  definePlugin,
  type AnyPluginDefinition,
  type CliCommand,
  type EntityDefinition,
  type ControlPlaneMigration,
  type PluginContext,
  type PluginContributions,
  type ResolvedDeps,
  type ServiceDeps,
  type TenantHooks,
  type PluginDefinition,
  type PluginInitContext,
  type ProblemLocalizer,
  type TenantMigration,
  type TenantRef,
} from './plugin/define-plugin.js';
export { createServiceRef, type ServiceLookup, type ServiceRef } from './plugin/service-ref.js';
export { requiredPlugins, resolvePluginOrder, validateDefinition } from './plugin/resolve-plugins.js';
export type { PluginCatalog } from './plugin/load-plugins.js';
export { PluginHost, type ReadinessOutcome } from './plugin/plugin-host.js';
export { defineErrors, DoganError, isDoganError, type ErrorFactory, type ErrorSpec } from './errors/dogan-error.js';
export { KernelErrors } from './errors.js';
export { isUnavailableError, RETRY_AFTER_SECONDS } from './errors/unavailable.js';
export { firstNulPath } from './http/nul-guard.js';
export { isTimeZone } from './http/validation.js';
export { sendProblem, unavailable, problemDocument, problemType, toDoganError, PROBLEM_CONTENT_TYPE, type ProblemDocument } from './http/problem.js';
export type { ResponseFinished } from './http/response-finished.js';
export { bearerToken, type AdminAuth } from './auth/admin-token.js';
export {
  isMetered,
  PLATFORM_ADMIN_POLICY,
  PUBLIC_POLICY,
  ROUTE_GUARD_STAGES,
  routeCredentialPolicy,
  tenantPolicy,
  type PlatformAdminRoutePolicy,
  type PublicRoutePolicy,
  type RouteCredentialPolicy,
  type RouteGuard,
  type RouteGuardStage,
  type RoutePolicy,
  type RouteScope,
  type TenantRoutePolicy,
  type TenantScope,
} from './http/route-policy.js';
export type { FromSchema, JsonSchemaTypeProvider } from './http/type-provider.js';
export { generateToken, hashToken, tokenMatchesHash } from './auth/secret-hash.js';
export { compensateSteps, createStep, runSteps, StepFailedError, type Step } from './workflow/run-steps.js';
export { createSecretBox, type SecretBox } from './auth/secret-box.js';
export { agentToolRegistryRef, type AgentTool, type AgentToolContext, type AgentToolProvider, type AgentToolRegistry } from './agents/agent-tool.js';
export { isPublicAddress } from './sandbox/host/address-policy.js';
export {
  eventBusRef,
  eventTypeMatches,
  type DeliveryContext,
  type EventBus,
  type EventBusHealth,
  type EventConsumer,
  type EventSubscription,
  type PlatformEvent,
} from './events/event-bus.js';
export {
  EVENT_TYPE_PATTERN,
  isKnownEventPattern,
  isKnownEventType,
  isPlatformEventType,
  PLATFORM_EVENT_FAMILIES,
  OPEN_FAMILIES,
  PLATFORM_EVENT_TYPES,
  type PlatformEventType,
} from './events/event-types.js';
