import semver from 'semver';
import { KernelErrors } from '../errors.js';
import type { AnyPluginDefinition as PluginDefinition } from './define-plugin.js';
import type { ServiceRef } from './service-ref.js';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Checks one definition's shape; the message names the plugin and the field. */
export function validateDefinition(def: PluginDefinition, source: string): void {
  const name = typeof def?.name === 'string' ? def.name : source;
  const fail = (what: string) => {
    throw KernelErrors.PLUGIN_DEFINITION_INVALID(name, what);
  };
  if (typeof def !== 'object' || def === null) fail('the module does not export a plugin definition');
  if (!NAME.test(def.name)) fail(`name must be lowercase words joined by dashes, got "${String(def.name)}"`);
  if (!semver.valid(def.version)) fail(`version must be semver, got "${String(def.version)}"`);
  if (!semver.validRange(def.kernel)) fail(`kernel must be a semver range, got "${String(def.kernel)}"`);
  for (const [dep, range] of Object.entries(def.dependencies ?? {})) {
    if (!semver.validRange(range)) fail(`dependency "${dep}" must have a semver range, got "${String(range)}"`);
  }
}

const refsOf = (deps: unknown): ServiceRef<unknown>[] => Object.values((deps ?? {}) as Record<string, ServiceRef<unknown>>);

/** The services a plugin provides. */
export function providedServices(def: PluginDefinition): ReadonlyArray<ServiceRef<unknown>> {
  return def.provides ?? [];
}

/** Which plugin provides each service; a second provider of one service is refused, naming both. */
function providersOf(definitions: readonly PluginDefinition[]): Map<string, string> {
  const providerOf = new Map<string, string>();
  for (const def of definitions) {
    for (const ref of providedServices(def)) {
      const first = providerOf.get(ref.id);
      if (first !== undefined && first !== def.name) throw KernelErrors.PLUGIN_SERVICE_DUPLICATE(ref.id, first, def.name);
      providerOf.set(ref.id, def.name);
    }
  }
  return providerOf;
}

/**
 * The plugins one plugin needs, as `{ name: range }`: the providers of the services in its `deps`
 * (any version, `*`, unless `dependencies` narrows it) and the plugins `dependencies` names.
 */
export function requiredPlugins(def: PluginDefinition, definitions: readonly PluginDefinition[]): Record<string, string> {
  const providerOf = new Map<string, string>();
  for (const d of definitions) for (const ref of providedServices(d)) if (!providerOf.has(ref.id)) providerOf.set(ref.id, d.name);
  const out: Record<string, string> = {};
  for (const ref of refsOf(def.deps)) {
    const provider = providerOf.get(ref.id);
    if (provider && provider !== def.name) out[provider] = def.dependencies?.[provider] ?? '*';
  }
  return { ...out, ...(def.dependencies ?? {}) };
}

/** Finds one cycle among the plugins left after a topological sort, as "a → b → a". */
function describeCycle(remaining: Map<string, PluginDefinition>, needs: Map<string, string[]>): string {
  const start = remaining.keys().next().value as string;
  const path: string[] = [];
  let current = start;
  while (!path.includes(current)) {
    path.push(current);
    const next = (needs.get(current) ?? []).find((d) => remaining.has(d));
    if (next === undefined) break;
    current = next;
  }
  return [...path.slice(path.indexOf(current)), current].join(' → ');
}

/**
 * Orders plugins so each comes after its dependencies, refusing a duplicate name, a missing or
 * incompatible dependency, an unsupported kernel and a cycle. Among plugins free to load, the order
 * given is kept, so the result is stable.
 */
export function resolvePluginOrder(definitions: readonly PluginDefinition[], kernelVersion: string): PluginDefinition[] {
  const byName = new Map<string, PluginDefinition>();
  for (const def of definitions) {
    if (byName.has(def.name)) {
      throw KernelErrors.PLUGIN_DUPLICATE(def.name, `versions ${byName.get(def.name)!.version} and ${def.version}`);
    }
    byName.set(def.name, def);
  }
  const providerOf = providersOf(definitions);
  const needs = new Map<string, string[]>();
  for (const def of definitions) {
    if (!semver.satisfies(kernelVersion, def.kernel, { includePrerelease: true })) {
      throw KernelErrors.PLUGIN_KERNEL_INCOMPATIBLE(def.name, def.kernel, kernelVersion);
    }
    for (const ref of refsOf(def.deps)) {
      if (!providerOf.has(ref.id)) throw KernelErrors.PLUGIN_SERVICE_MISSING(ref.id, def.name);
    }
    const required = requiredPlugins(def, definitions);
    for (const [dep, range] of Object.entries(required)) {
      const found = byName.get(dep);
      if (!found) throw KernelErrors.PLUGIN_DEPENDENCY_MISSING(def.name, dep, range);
      if (!semver.satisfies(found.version, range, { includePrerelease: true })) {
        throw KernelErrors.PLUGIN_DEPENDENCY_INCOMPATIBLE(def.name, dep, range, found.version);
      }
    }
    needs.set(def.name, Object.keys(required));
  }
  // A plugin that optionally uses a service loads after the plugin providing it, when that one is
  // configured: optional means "use it if present", and present must mean "initialised first".
  // Unless the provider itself needs the consumer: then the hard dependency decides the order,
  // and the consumer reaches the service later, at request time (`ctx.services.getOptional`).
  const after = (d: PluginDefinition) => [
    ...needs.get(d.name)!,
    ...refsOf(d.optionalDeps)
      .map((r) => providerOf.get(r.id))
      .filter((n): n is string => n !== undefined && n !== d.name && !closure(n, needs).has(d.name)),
  ];
  const ordered: PluginDefinition[] = [];
  const remaining = new Map(byName);
  while (remaining.size > 0) {
    const ready = [...remaining.values()].find((d) => after(d).every((dep) => !remaining.has(dep)));
    if (!ready) throw KernelErrors.PLUGIN_CYCLE(describeCycle(remaining, needs));
    ordered.push(ready);
    remaining.delete(ready.name);
  }
  return ordered;
}

function closure(name: string, needs: Map<string, string[]>, seen = new Set<string>()): Set<string> {
  for (const dep of needs.get(name) ?? []) {
    if (seen.has(dep)) continue;
    seen.add(dep);
    closure(dep, needs, seen);
  }
  return seen;
}
