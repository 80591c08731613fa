import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KernelErrors } from '../errors.js';
import type { PluginDefinition } from './define-plugin.js';
import { firstPartyPlugins } from './first-party.js';
import { validateDefinition } from './resolve-plugins.js';

/** Splits `DOGAN_PLUGINS` into entries: `all` means every first-party plugin. */
export function parsePluginList(value: string): string[] {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  return entries.flatMap((e) => (e === 'all' ? Object.keys(firstPartyPlugins) : [e]));
}

function specifierFor(entry: string): string {
  if (entry.startsWith('.') || isAbsolute(entry)) return pathToFileURL(resolve(entry)).href;
  return entry;
}

/**
 * Imports each entry: a first-party name, a path to a module file, or a package name. The module's
 * default export (or its `plugin` export) is the definition.
 */
export async function importPlugins(entries: readonly string[]): Promise<PluginDefinition[]> {
  const out: PluginDefinition[] = [];
  for (const entry of entries) {
    const load = firstPartyPlugins[entry] ?? (() => import(specifierFor(entry)));
    let mod: { default?: PluginDefinition; plugin?: PluginDefinition };
    try {
      mod = (await load()) as typeof mod;
    } catch (err) {
      throw KernelErrors.PLUGIN_NOT_FOUND(entry, (err as Error).message);
    }
    const def = mod.default ?? mod.plugin;
    validateDefinition(def as PluginDefinition, entry);
    out.push(def as PluginDefinition);
  }
  return out;
}
