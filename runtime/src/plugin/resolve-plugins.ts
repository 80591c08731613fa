import semver from 'semver';
import { KernelErrors } from '../errors.js';
import type { PluginDefinition } from './define-plugin.js';
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

/** Finds one cycle among the plugins left after a topological sort, as "a → b → a". */
function describeCycle(remaining: Map<string, PluginDefinition>): string {
  const start = remaining.keys().next().value as string;
  const path: string[] = [];
  let current = start;
  while (!path.includes(current)) {
    path.push(current);
    const next = Object.keys(remaining.get(current)?.dependencies ?? {}).find((d) => remaining.has(d));
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
  for (const def of definitions) {
    if (!semver.satisfies(kernelVersion, def.kernel, { includePrerelease: true })) {
      throw KernelErrors.PLUGIN_KERNEL_INCOMPATIBLE(def.name, def.kernel, kernelVersion);
    }
    for (const [dep, range] of Object.entries(def.dependencies ?? {})) {
      const found = byName.get(dep);
      if (!found) throw KernelErrors.PLUGIN_DEPENDENCY_MISSING(def.name, dep, range);
      if (!semver.satisfies(found.version, range, { includePrerelease: true })) {
        throw KernelErrors.PLUGIN_DEPENDENCY_INCOMPATIBLE(def.name, dep, range, found.version);
      }
    }
  }
  // A plugin that optionally consumes a service loads after the plugin providing it, when that one is
  // configured: optional means "use it if present", and present must mean "initialised first".
  const providerOf = new Map<string, string>();
  for (const def of definitions) for (const ref of def.provides ?? []) providerOf.set(ref.id, def.name);
  // Unless the provider itself depends on the consumer: then the hard dependency decides the order,
  // and the consumer reaches the service later, at request time.
  const after = (d: PluginDefinition) => [
    ...Object.keys(d.dependencies ?? {}),
    ...(d.optionallyConsumes ?? [])
      .map((r) => providerOf.get(r.id))
      .filter((n): n is string => n !== undefined && n !== d.name && !dependencyClosure(byName.get(n)!, byName).has(d.name)),
  ];
  const ordered: PluginDefinition[] = [];
  const remaining = new Map(byName);
  while (remaining.size > 0) {
    const ready = [...remaining.values()].find((d) => after(d).every((dep) => !remaining.has(dep)));
    if (!ready) throw KernelErrors.PLUGIN_CYCLE(describeCycle(remaining));
    ordered.push(ready);
    remaining.delete(ready.name);
  }
  checkServiceWiring(ordered);
  return ordered;
}

function dependencyClosure(def: PluginDefinition, byName: Map<string, PluginDefinition>, seen = new Set<string>()): Set<string> {
  for (const dep of Object.keys(def.dependencies ?? {})) {
    if (seen.has(dep)) continue;
    seen.add(dep);
    dependencyClosure(byName.get(dep)!, byName, seen);
  }
  return seen;
}

/**
 * Every consumed service must be provided by a plugin the consumer depends on, so that it is
 * initialised first. (Kernel facilities such as config, logs and metrics come in the context.)
 */
function checkServiceWiring(ordered: PluginDefinition[]): void {
  const byName = new Map(ordered.map((d) => [d.name, d]));
  const providerOf = new Map<string, string>();
  for (const def of ordered) for (const ref of def.provides ?? []) providerOf.set(ref.id, def.name);
  for (const def of ordered) {
    const deps = dependencyClosure(def, byName);
    for (const ref of def.consumes ?? ([] as ServiceRef<unknown>[])) {
      const provider = providerOf.get(ref.id);
      if (!provider || (provider !== def.name && !deps.has(provider))) throw KernelErrors.PLUGIN_SERVICE_MISSING(ref.id, def.name);
    }
  }
}
