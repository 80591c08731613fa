import { isDoganError, type PlatformEvent } from '@dogan/runtime';
import { TenantErrors, type EventOutbox, type Tenant, type TenantsApi } from '@dogan/tenants';
import type { ValidateFunction } from 'ajv';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isolateKey, SandboxErrors, SandboxPool, type CallKind, type Invocation, type InvocationResult, type IsolateConfig, type LogEntry, type ResolvedGrants, type SandboxOptionsInput } from '@dogan/runtime/sandbox';
import { erpnextAllowed, erpnextVerb, eventAllowed } from '@dogan/runtime/sandbox';
import { inModuleNamespace, type AgentTool as ManifestAgentTool, type JsonSchema, type LocalizedText } from '@dogan/module-manifest';
import { ModuleErrors } from './errors.js';
import { moduleEmittedEvent, unwrapEvent } from './events.js';
import { InstallRegistry, type ModuleInstall } from './installs.js';
import { loadModuleFromDirectory, type LoadedModule } from './loaded-module.js';
import { ModuleLog, type ModuleLogLine } from './module-log.js';
import { redact, secretValues } from './redaction.js';
import { compileSchema } from './schemas.js';
import { DocumentStore } from './storage/document-store.js';

/** What a module route handler receives. */
export interface ModuleRequest {
  readonly method: string;
  /** The path below `/api/v1/{tenant}/apps/{moduleId}`. */
  readonly path: string;
  readonly query: Record<string, unknown>;
  /** Request headers without credentials (authorization, cookies, API keys). */
  readonly headers: Record<string, string>;
  readonly body: unknown;
  /** The calling key's scopes; undefined for the platform admin, who holds every scope. */
  readonly scopes?: readonly string[];
}

/** Who asks for a tool call besides the tenant: the key that makes a repeated call the same call, and the agent. */
export interface ToolCallContext {
  /** The same key for a retry of the same call; the tool stores it with its effect and does the effect once. */
  readonly idempotencyKey: string;
  readonly agentId?: string;
  readonly taskId?: string;
}

/** One agent tool of a module enabled for a tenant: what an agent may be offered. */
export interface ModuleToolInfo {
  readonly moduleId: string;
  /** The tool's name in its manifest (`create_lead`). */
  readonly name: string;
  readonly description: LocalizedText;
  /** JSON Schema of the arguments object. */
  readonly parameters: JsonSchema;
}

/** Longest idempotency key a tool call takes. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 200;

/** What the kernel keeps about a call for the capability handler. */
interface CallContext {
  readonly tenant: Tenant;
  readonly install: ModuleInstall;
  readonly depth: number;
}

/** A route call the module answered (status is the module's); the marketplace meters per-use modules with it. */
export interface AnsweredRoute {
  readonly tenant: Tenant;
  readonly install: ModuleInstall;
  readonly status: number;
}

/** One operation of a capability another plugin provides (`erpnext.get`), for a call in flight. */
export interface CapabilityCall {
  /** The tenant of the call (never from the module's arguments). */
  readonly tenant: Tenant;
  readonly moduleId: string;
  /** The whole operation name, `erpnext.get`. */
  readonly op: string;
  /** The module's JSON arguments, checked against its grants. */
  readonly args: Record<string, unknown>;
}

/** Runs a provided capability's operation; resolves to a JSON value for the module, or throws a DoganError it sees with its code. */
export type CapabilityProvider = (call: CapabilityCall) => Promise<unknown>;

/** The plugin that provides each capability prefix, for the error a platform without it gives. */
const CAPABILITY_PLUGINS: Readonly<Record<string, string>> = { erpnext: 'erpnext', email: 'email' };

/** The arguments an ERPNext operation takes: the provider sees these and no others. */
const ERPNEXT_ARGS = ['doctype', 'name', 'query', 'doc', 'patch', 'connection'] as const;
/** The arguments `email.send` takes; the provider gets these, and `recipients` from the grant. */
const EMAIL_ARGS = ['to', 'cc', 'replyTo', 'subject', 'text', 'html', 'template', 'data', 'locale', 'idempotencyKey'] as const;

function pick(args: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (args[key] !== undefined) picked[key] = args[key];
  return picked;
}

/** Resolves granted permission names into the flat grants the sandbox checks on every call. */
export function resolveGrants(module: LoadedModule, granted: readonly string[]): ResolvedGrants {
  const perms = module.manifest.permissions.filter((p) => granted.includes(p.name));
  return {
    collections: perms.some((p) => p.kind === 'storage') ? module.manifest.collections.map((c) => c.name) : [],
    http: perms.flatMap((p) => (p.kind === 'http' ? [{ urls: [...p.urls], methods: [...p.methods] }] : [])),
    emit: perms.flatMap((p) => (p.kind === 'events' ? [...p.emit] : [])),
    erpnext: perms.flatMap((p) => (p.kind === 'erpnext' ? [{ doctypes: [...p.doctypes], access: p.access }] : [])),
    // The widest email permission granted: `any` over `tenant`.
    email: perms.some((p) => p.kind === 'email' && p.recipients === 'any') ? 'any' : perms.some((p) => p.kind === 'email') ? 'tenant' : null,
  };
}

/** True when the tenant granted the module a permission of kind `agent-tools`: its tools may be offered to agents and run. */
export function grantsAgentTools(install: ModuleInstall): boolean {
  return install.module.manifest.permissions.some((p) => p.kind === 'agent-tools' && install.granted.includes(p.name));
}

/**
 * False when a bundle cannot define the hook: its name appears nowhere in the code, so the bundle's
 * `hooks` object has no such key. Such a call would start a sandbox host (and an isolate) only to
 * find nothing to run; the quick start's notes module, with no hooks, is installed without either.
 * A name that appears anywhere (a comment, a string) still gets its call: this only skips what
 * cannot run.
 */
export function mayDefineHook(code: string, hook: 'install' | 'upgrade' | 'uninstall'): boolean {
  return code.includes(hook);
}

/**
 * The modules service: loads module versions, enables them per tenant, and runs their routes, event
 * handlers, jobs and lifecycle hooks in the sandbox pool, answering their storage and event calls.
 */
export class ModuleRuntime {
  readonly pool: SandboxPool;
  readonly installs = new InstallRegistry();
  readonly logs: ModuleLog;
  private readonly modules = new Map<string, LoadedModule>();
  private readonly store: DocumentStore;
  private readonly configs = new WeakMap<ModuleInstall, IsolateConfig>();
  /** Per module version, its agent tools' argument validators, compiled on first use. */
  private readonly toolValidators = new WeakMap<LoadedModule, Map<string, ValidateFunction>>();
  /** Per isolate, the secret setting values masked in what the platform shows of the module. */
  private readonly secrets = new Map<string, readonly string[]>();
  /** `tenant|module` whose routes, events and jobs wait while an upgrade or uninstall changes them. */
  private readonly held = new Set<string>();
  private readonly routeObservers: Array<(call: AnsweredRoute) => Promise<void>> = [];
  /** Capabilities other plugins run for modules, by prefix (`erpnext`). */
  private readonly providers = new Map<string, CapabilityProvider>();
  /** Where a module's `events.emit` goes: straight to this node's subscribers, or the bus once `publishThrough` is called. */
  private publish = (tenantId: string, _moduleId: string, type: string, payload: unknown, depth: number): Promise<void> => {
    void this.emitEvent(tenantId, type, payload, depth).catch(() => undefined);
    return Promise.resolve();
  };

  constructor(
    private readonly tenants: TenantsApi,
    sandbox: SandboxOptionsInput,
    registry: Registry,
    private readonly log: Logger,
  ) {
    this.logs = new ModuleLog(tenants, log);
    this.pool = new SandboxPool(
      sandbox,
      {
        capability: (invocation, op, args) => this.capability(invocation, op, args),
        log: ({ tenantId, moduleKey }, entries) => this.logs.add(tenantId, moduleKey, this.redactEntries(tenantId, moduleKey, entries)),
        breach: ({ tenantId, moduleKey, code, detail: raw }) => {
          const detail = redact(raw, this.secrets.get(isolateKey(tenantId, moduleKey)) ?? []);
          if (tenantId !== '-') this.logs.add(tenantId, moduleKey, [{ level: 'error', message: `limit ${code}: ${detail}`, data: null, at: new Date().toISOString() }]);
          this.log.warn({ tenantId, module: moduleKey, code, detail }, 'module breached a sandbox limit');
        },
      },
      registry,
    );
    this.store = new DocumentStore(tenants.data, this.pool.options.limits);
  }

  start(): Promise<void> {
    return this.pool.start();
  }

  /** Registers a module version read from a directory (tests and the SDK harness). */
  async loadModuleFromDirectory(dir: string): Promise<LoadedModule> {
    const module = await loadModuleFromDirectory(dir);
    return this.register(module);
  }

  register(module: LoadedModule): LoadedModule {
    if (module.code.length > this.pool.options.limits.maxCodeBytes) throw SandboxErrors.SANDBOX_CODE_TOO_LARGE(module.manifest.id, module.code.length, this.pool.options.limits.maxCodeBytes);
    this.modules.set(module.key, module);
    return module;
  }

  /** `id@version`, or `id` for the newest loaded version. */
  module(ref: string): LoadedModule {
    const exact = this.modules.get(ref);
    if (exact) return exact;
    const versions = [...this.modules.values()].filter((m) => m.manifest.id === ref);
    if (versions.length === 0) throw ModuleErrors.MODULE_NOT_FOUND(ref);
    return versions[versions.length - 1]!;
  }

  /**
   * Checks a version against the grants and settings and builds its install for a tenant without
   * putting it in the table: nothing answers for it until `activate`.
   */
  async prepareInstall(tenantId: string, moduleRef: string, granted: readonly string[], settings: unknown = {}): Promise<ModuleInstall> {
    const tenant = await this.tenants.tenants.get(tenantId);
    const module = this.module(moduleRef);
    const id = module.manifest.id;
    for (const name of granted) if (!module.manifest.permissions.some((p) => p.name === name)) throw ModuleErrors.MODULE_GRANT_UNKNOWN(id, name);
    for (const p of module.manifest.permissions) if (p.required && !granted.includes(p.name)) throw ModuleErrors.MODULE_GRANT_MISSING(id, p.name);
    if (module.manifest.settings) {
      const validate = compileSchema(module.manifest.settings);
      if (!validate(settings)) throw ModuleErrors.MODULE_SETTINGS_INVALID(id, (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; '));
    }
    await this.store.ensureIndexes(tenant, module);
    return { tenantId: tenant.id, module, granted: [...granted], grants: resolveGrants(module, granted), settings };
  }

  /** Runs a lifecycle hook of an install, visible or not; a failure leaves the table as it was. */
  async runHook(install: ModuleInstall, hook: 'install' | 'upgrade' | 'uninstall', input: unknown = {}): Promise<void> {
    if (!mayDefineHook(install.module.code, hook)) return;
    const tenant = await this.tenants.tenants.get(install.tenantId);
    try {
      await this.call(tenant, install, 'hook', hook, input, 0);
    } catch (err) {
      // Whatever the failed hook left running in its isolate must not outlive the failure.
      if (this.installs.get(install.tenantId, install.module.manifest.id) !== install) this.pool.evict(install.tenantId, install.module.key);
      throw err;
    }
  }

  /** Makes an install the one that answers for its tenant, replacing (and disposing) the previous version. */
  activate(install: ModuleInstall): void {
    const previous = this.installs.get(install.tenantId, install.module.manifest.id);
    this.installs.set(install);
    if (previous && previous.module.key !== install.module.key) this.pool.evict(install.tenantId, previous.module.key);
  }

  /**
   * Until the returned release is called, the module's routes answer 503 MODULE_CHANGING and its
   * events and jobs are skipped for the tenant: an upgrade's hook or an uninstall works on data that
   * nothing else writes, so a restore after a failure loses no one's write.
   */
  hold(tenantId: string, moduleId: string): () => void {
    const key = `${tenantId}|${moduleId}`;
    this.held.add(key);
    return () => this.held.delete(key);
  }

  private isHeld(tenantId: string, moduleId: string): boolean {
    return this.held.size > 0 && this.held.has(`${tenantId}|${moduleId}`);
  }

  /** Called after every route call the module answered, before the answer is sent. */
  observeRoutes(observer: (call: AnsweredRoute) => Promise<void>): void {
    this.routeObservers.push(observer);
  }

  /**
   * Registers the plugin that runs a capability's operations (`prefix.*`, e.g. `erpnext.get`) for
   * modules. The sandbox and this runtime check the module's grant before the handler is called;
   * tenant and module come from the call in flight. What the handler resolves to goes back to the
   * module as JSON; a DoganError it throws reaches the module as an Error with its code and message.
   * The modules plugin knows no provider: each registers itself (the erpnext and email plugins in their init).
   */
  provideCapability(prefix: string, handler: CapabilityProvider): void {
    if (!Object.hasOwn(CAPABILITY_PLUGINS, prefix)) throw new Error(`no module capability "${prefix}" to provide (known: ${Object.keys(CAPABILITY_PLUGINS).join(', ')})`);
    if (this.providers.has(prefix)) throw new Error(`the module capability "${prefix}" is already provided`);
    this.providers.set(prefix, handler);
  }

  /**
   * Enables (or upgrades, or re-configures) a module for a tenant: its install or upgrade hook runs
   * first, and only then does the version answer.
   */
  async enableForTenant(tenantId: string, moduleRef: string, granted: readonly string[], settings: unknown = {}): Promise<ModuleInstall> {
    const install = await this.prepareInstall(tenantId, moduleRef, granted, settings);
    const previous = this.installs.get(install.tenantId, install.module.manifest.id);
    if (!previous) await this.runHook(install, 'install');
    else if (previous.module.key !== install.module.key) await this.runHook(install, 'upgrade', { from: previous.module.manifest.version });
    this.activate(install);
    return install;
  }

  /**
   * Runs the uninstall hook, then forgets the install and disposes its isolates. Stored documents stay.
   * A module suspended for crashing its sandbox host is disabled without its hook: running its code
   * again is what the suspension prevents.
   */
  async disableForTenant(tenantId: string, moduleId: string): Promise<void> {
    const tenant = await this.tenants.tenants.get(tenantId);
    const install = this.installed(tenant.id, moduleId);
    const suspended = this.pool.quarantined(tenant.id, install.module.key);
    try {
      if (suspended) this.logs.add(tenant.id, install.module.key, [{ level: 'warn', message: 'disabled without its uninstall hook: the module is suspended for crashing its sandbox host', data: null, at: new Date().toISOString() }]);
      else if (mayDefineHook(install.module.code, 'uninstall')) await this.call(tenant, install, 'hook', 'uninstall', {}, 0);
    } finally {
      this.installs.delete(tenant.id, moduleId);
      this.pool.evict(tenant.id, install.module.key);
    }
  }

  installed(tenantId: string, moduleId: string): ModuleInstall {
    const install = this.installs.get(tenantId, moduleId);
    if (!install) throw ModuleErrors.MODULE_NOT_ENABLED(moduleId);
    return install;
  }

  async invokeRoute(tenant: Tenant, moduleId: string, request: ModuleRequest): Promise<InvocationResult> {
    const install = this.installed(tenant.id, moduleId);
    if (this.isHeld(tenant.id, moduleId)) throw ModuleErrors.MODULE_CHANGING(moduleId);
    const match = install.module.matchRoute(request.method, request.path);
    if (match === undefined || match === 'method') throw ModuleErrors.MODULE_ROUTE_NOT_FOUND(moduleId, request.method, request.path);
    // The platform checked the method's scope (read, or write); a route may ask for more in its manifest.
    if (match.scope && request.scopes && !request.scopes.includes(match.scope)) throw TenantErrors.API_KEY_SCOPE_MISSING(match.scope);
    const { scopes: _scopes, ...forModule } = request;
    const result = await this.call(tenant, install, 'route', match.handler, { ...forModule, params: match.params }, 0);
    const answered: AnsweredRoute = { tenant, install, status: result.answer?.status ?? 200 };
    for (const observe of this.routeObservers) {
      await observe(answered).catch((err: unknown) => this.log.error({ err, tenantId: tenant.id, moduleId }, 'a module route observer failed'));
    }
    return result;
  }

  /**
   * Module emits go through the events plugin from now on: recorded in its outbox, then handed to the
   * subscribers on whichever node the bus's shared consumer (`deliver`) runs. With `emit`, in a
   * transaction of their own: a module's storage writes are not one transaction it could join.
   */
  publishThrough(outbox: EventOutbox): void {
    this.publish = (tenantId, moduleId, type, payload, depth) => outbox.emit([moduleEmittedEvent(tenantId, moduleId, type, payload, depth)]);
  }

  /** Delivers an event to every module of the tenant that subscribes to it now, on this node; failures are logged. */
  async emitEvent(tenantId: string, type: string, payload: unknown, depth = 0): Promise<void> {
    await this.deliverTo(await this.tenants.tenants.get(tenantId), type, payload, depth, {});
  }

  /** An event from the bus, to the subscribing modules of its tenant (a purged tenant's, and platform-wide ones, go nowhere). */
  async deliver(event: PlatformEvent): Promise<void> {
    if (!event.tenantId) return;
    const tenant = await this.tenants.tenants.find(event.tenantId);
    if (!tenant) return;
    const { payload, depth } = unwrapEvent(event);
    await this.deliverTo(tenant, event.type, payload, depth, { id: event.id, occurredAt: event.occurredAt });
  }

  /** One handler's failure is its module's to log: it does not fail the delivery, nor repeat it for the others. */
  private async deliverTo(tenant: Tenant, type: string, payload: unknown, depth: number, meta: { id?: string; occurredAt?: string }): Promise<void> {
    const deliveries = this.installs.forTenant(tenant.id).filter((install) => !this.isHeld(tenant.id, install.module.manifest.id)).flatMap((install) =>
      install.module.manifest.events.filter((e) => e.event === type).map((e) => this.call(tenant, install, 'event', e.handler, { type, payload, depth, ...meta }, depth)),
    );
    const results = await Promise.allSettled(deliveries);
    for (const r of results) if (r.status === 'rejected') this.log.info({ tenantId: tenant.id, event: type, err: r.reason }, 'module event handler failed');
  }

  /** Runs one declared job now (for the due time `scheduledAt`, default now); resolves to the job's return value. */
  async runJob(tenantId: string, moduleId: string, jobName: string, scheduledAt: Date = new Date()): Promise<unknown> {
    const tenant = await this.tenants.tenants.get(tenantId);
    const install = this.installed(tenant.id, moduleId);
    if (this.isHeld(tenant.id, moduleId)) throw ModuleErrors.MODULE_CHANGING(moduleId);
    const job = install.module.manifest.jobs.find((j) => j.name === jobName);
    if (!job) throw ModuleErrors.MODULE_JOB_NOT_FOUND(moduleId, jobName);
    const result = await this.call(tenant, install, 'job', job.handler, { job: job.name, scheduledAt: scheduledAt.toISOString() }, 0);
    return JSON.parse(result.body.toString('utf8') || 'null') as unknown;
  }

  /**
   * Runs one of a module's agent tools for a tenant and resolves to what the tool returned. The tenant
   * must have granted the module's `agent-tools` permission, and the arguments are checked against the
   * tool's `parameters` schema before anything runs (refusals: MODULE_NOT_ENABLED, MODULE_CHANGING,
   * MODULE_TOOL_NOT_FOUND, MODULE_TOOL_NOT_GRANTED, MODULE_TOOL_ARGUMENTS_INVALID); a failure of
   * the tool's handler is MODULE_TOOL_FAILED with the code it threw (`moduleCode`); the sandbox's own
   * limits keep their SANDBOX_* codes. The tenant is the platform's, never one from the arguments.
   */
  async runTool(tenantId: string, moduleId: string, toolName: string, args: unknown, context: ToolCallContext): Promise<unknown> {
    const tenant = await this.tenants.tenants.get(tenantId);
    const install = this.installed(tenant.id, moduleId);
    if (this.isHeld(tenant.id, moduleId)) throw ModuleErrors.MODULE_CHANGING(moduleId);
    const tool = (install.module.manifest.agentTools ?? []).find((t) => t.name === toolName);
    if (!tool) throw ModuleErrors.MODULE_TOOL_NOT_FOUND(moduleId, toolName);
    if (!grantsAgentTools(install)) throw ModuleErrors.MODULE_TOOL_NOT_GRANTED(moduleId);
    const key = context.idempotencyKey;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw ModuleErrors.MODULE_TOOL_IDEMPOTENCY_KEY_INVALID(MAX_IDEMPOTENCY_KEY_LENGTH);
    // The handler sees JSON: validate what it will see, not the caller's object (undefined members, dates).
    let json: string;
    try {
      json = JSON.stringify(args === undefined ? {} : args);
    } catch {
      throw ModuleErrors.MODULE_TOOL_ARGUMENTS_INVALID.with({ errors: [{ path: '/', message: 'must be JSON' }] }, toolName, moduleId, 'they must be JSON');
    }
    const max = this.pool.options.limits.maxRequestBytes;
    if (json === undefined || Buffer.byteLength(json) > max) {
      throw ModuleErrors.MODULE_TOOL_ARGUMENTS_INVALID.with({ errors: [{ path: '/', message: `must be a JSON value of at most ${max} bytes` }] }, toolName, moduleId, `they must be a JSON value of at most ${max} bytes`);
    }
    const value = JSON.parse(json) as unknown;
    const validate = this.toolValidator(install.module, tool);
    if (!validate(value)) {
      const errors = (validate.errors ?? []).slice(0, 20).map((e) => ({ path: e.instancePath || '/', message: e.message ?? 'is invalid' }));
      throw ModuleErrors.MODULE_TOOL_ARGUMENTS_INVALID.with({ errors }, toolName, moduleId, errors.map((e) => `${e.path} ${e.message}`).join('; '));
    }
    const input = { tool: tool.name, arguments: value, idempotencyKey: key, ...(context.agentId === undefined ? {} : { agentId: context.agentId }), ...(context.taskId === undefined ? {} : { taskId: context.taskId }) };
    let result: InvocationResult;
    try {
      result = await this.call(tenant, install, 'tool', tool.handler, input, 0);
    } catch (err) {
      if (isDoganError(err) && err.code === 'SANDBOX_MODULE_ERROR') {
        const moduleCode = typeof err.extensions?.moduleCode === 'string' ? err.extensions.moduleCode : undefined;
        throw ModuleErrors.MODULE_TOOL_FAILED.with({ ...(moduleCode === undefined ? {} : { moduleCode }), moduleMessage: err.message }, toolName, moduleId, moduleCode === undefined ? err.message : `${moduleCode}: ${err.message}`);
      }
      throw err;
    }
    return JSON.parse(result.body.toString('utf8') || 'null') as unknown;
  }

  /**
   * The agent tools of the modules enabled for a tenant, in install order: what its agents may be
   * offered. Only modules the tenant granted their `agent-tools` permission offer tools; one
   * suspended for crashing its sandbox host offers none until the suspension ends.
   */
  toolsFor(tenantId: string): ModuleToolInfo[] {
    return this.installs
      .forTenant(tenantId)
      .filter((install) => grantsAgentTools(install) && !this.pool.quarantined(tenantId, install.module.key))
      .flatMap((install) =>
        (install.module.manifest.agentTools ?? []).map((tool) => ({ moduleId: install.module.manifest.id, name: tool.name, description: tool.description, parameters: tool.parameters })),
      );
  }

  /** A tool's argument validator, compiled once per module version. */
  private toolValidator(module: LoadedModule, tool: ManifestAgentTool): ValidateFunction {
    let validators = this.toolValidators.get(module);
    if (!validators) this.toolValidators.set(module, (validators = new Map()));
    let validate = validators.get(tool.name);
    if (!validate) {
      try {
        validate = compileSchema(tool.parameters);
      } catch (err) {
        throw ModuleErrors.MODULE_INVALID(module.key, `the parameters of agent tool "${tool.name}" are not a usable JSON Schema: ${(err as Error).message}`);
      }
      validators.set(tool.name, validate);
    }
    return validate;
  }

  readLogs(tenant: Tenant, moduleId: string, options: { limit: number; before?: number }): Promise<ModuleLogLine[]> {
    return this.logs.read(tenant, moduleId, options);
  }

  /** The isolate configuration of an install, reused while the tenant's fields are unchanged (the pool caches its JSON by object). */
  private configFor(tenant: Tenant, install: ModuleInstall): IsolateConfig {
    const cached = this.configs.get(install);
    const t = cached?.tenant;
    if (cached && t!.id === tenant.id && t!.locale === tenant.locale && t!.timezone === tenant.timezone && t!.plan === tenant.plan) return cached;
    const { module } = install;
    const config: IsolateConfig = {
      tenant: { id: tenant.id, locale: tenant.locale, timezone: tenant.timezone, plan: tenant.plan },
      moduleId: module.manifest.id,
      version: module.manifest.version,
      moduleKey: module.key,
      grants: install.grants,
      settings: install.settings,
    };
    this.configs.set(install, config);
    this.secrets.set(isolateKey(tenant.id, module.key), secretValues(module.manifest, install.settings));
    return config;
  }

  private call(tenant: Tenant, install: ModuleInstall, kind: CallKind, name: string, input: unknown, depth: number): Promise<InvocationResult> {
    const { module } = install;
    const config = this.configFor(tenant, install);
    const context: CallContext = { tenant, install, depth };
    return this.pool.invoke({ config, code: module.code, kind, name, input: JSON.stringify(input), depth, context }).catch((err: unknown) => {
      // What a module throws becomes a problem's detail (and a failed install's message): its secrets stay masked there.
      if (err instanceof Error) err.message = redact(err.message, this.secrets.get(isolateKey(tenant.id, module.key)) ?? []);
      throw err;
    });
  }

  private redactEntries(tenantId: string, moduleKey: string, entries: readonly LogEntry[]): readonly LogEntry[] {
    const secrets = this.secrets.get(isolateKey(tenantId, moduleKey));
    if (!secrets || secrets.length === 0) return entries;
    return entries.map((e) => ({ ...e, message: redact(e.message, secrets), data: e.data === null ? null : redact(e.data, secrets) }));
  }

  /** Storage, events and provided capabilities for a call in flight: tenant and module come from the call, never from `args`. */
  private async capability(invocation: Invocation, op: string, argsBuffer: Buffer): Promise<string> {
    const { tenant, install, depth } = invocation.context as CallContext;
    const args = JSON.parse(argsBuffer.toString('utf8') || '{}') as Record<string, unknown>;
    const moduleId = install.module.manifest.id;
    if (op.startsWith('storage.')) {
      if (!install.grants.collections.includes(String(args.collection))) throw SandboxErrors.SANDBOX_PERMISSION_DENIED(moduleId, `storage collection "${String(args.collection).slice(0, 64)}"`);
      return JSON.stringify(await this.store.run(tenant, install.module, op, args));
    }
    if (op === 'events.emit') {
      const type = String(args.type);
      // A module speaks only for itself: types outside its id are other modules' or the platform's, whatever its manifest lists.
      if (!inModuleNamespace(moduleId, type)) throw SandboxErrors.SANDBOX_PERMISSION_DENIED(moduleId, `events.emit("${type.slice(0, 100)}"), a type outside its namespace ${moduleId}.*,`);
      if (!eventAllowed(install.grants.emit, type)) throw SandboxErrors.SANDBOX_PERMISSION_DENIED(moduleId, `events.emit("${type.slice(0, 100)}")`);
      const max = this.pool.options.limits.maxEventDepth;
      if (depth + 1 > max) throw SandboxErrors.SANDBOX_EVENT_LOOP(moduleId, type.slice(0, 100), depth + 1, max);
      await this.publish(tenant.id, moduleId, type, args.payload ?? null, depth + 1);
      return 'null';
    }
    if (op.startsWith('erpnext.')) {
      const verb = erpnextVerb(op);
      const doctype = typeof args.doctype === 'string' ? args.doctype : '';
      if (verb === undefined || !erpnextAllowed(install.grants, doctype, verb)) throw SandboxErrors.SANDBOX_PERMISSION_DENIED(moduleId, `${op.slice(0, 40)}: ERPNext ${verb ?? 'access'} on doctype "${doctype.slice(0, 140)}"`);
      return this.provided('erpnext', { tenant, moduleId, op, args: pick(args, ERPNEXT_ARGS) });
    }
    if (op === 'email.send') {
      const recipients = install.grants.email;
      if (!recipients) throw SandboxErrors.SANDBOX_PERMISSION_DENIED(moduleId, 'email.send');
      // Whom it may write to is the grant's, never the module's to say.
      return this.provided('email', { tenant, moduleId, op, args: { ...pick(args, EMAIL_ARGS), recipients } });
    }
    throw SandboxErrors.SANDBOX_PERMISSION_DENIED(moduleId, op.slice(0, 40));
  }

  /** A provided capability's answer as JSON text, no larger than an outbound HTTP answer may be. */
  private async provided(prefix: string, call: CapabilityCall): Promise<string> {
    const provider = this.providers.get(prefix);
    if (!provider) throw ModuleErrors.MODULE_CAPABILITY_UNAVAILABLE(prefix, CAPABILITY_PLUGINS[prefix] ?? prefix);
    const json = JSON.stringify((await provider(call)) ?? null);
    const max = this.pool.options.limits.maxHttpResponseBytes;
    if (json.length > max) throw SandboxErrors.SANDBOX_HTTP_LIMIT(call.moduleId, `${call.op} answered more than ${max} bytes; ask for fewer fields or a smaller page`);
    return json;
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.logs.close();
  }
}
