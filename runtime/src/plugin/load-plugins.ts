import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { KernelErrors } from '../errors.js';
import type { PluginDefinition } from './define-plugin.js';
import { validateDefinition } from './resolve-plugins.js';

/**
 * Plugins a distribution names, by the name `DOGAN_PLUGINS` uses; each loads its module lazily. The
 * kernel has none of its own: `@dogan/distribution` passes the first-party ones.
 */
export type PluginCatalog = Readonly<Record<string, () => Promise<unknown>>>;

/** Splits `DOGAN_PLUGINS` into entries: `all` means every plugin of the catalog. */
export function parsePluginList(value: string, catalog: PluginCatalog = {}): string[] {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  return entries.flatMap((e) => {
    if (e !== 'all') return [e];
    const names = Object.keys(catalog);
    // A bare kernel has no catalog: "all" would silently load nothing.
    if (names.length === 0) throw KernelErrors.PLUGIN_NOT_FOUND('all', 'this kernel was given no plugin catalog; start it through @dogan/distribution (the dogan CLI), or name plugins by path or package');
    return names;
  });
}

function specifierFor(entry: string): string {
  if (entry.startsWith('.') || isAbsolute(entry)) return pathToFileURL(resolve(entry)).href;
  return entry;
}

/**
 * Imports each entry: a name of the catalog, a path to a module file, or a package name. The module's
 * default export (or its `plugin` export) is the definition.
 */
export async function importPlugins(entries: readonly string[], catalog: PluginCatalog = {}): Promise<PluginDefinition[]> {
  const out: PluginDefinition[] = [];
  for (const entry of entries) {
    const load = Object.hasOwn(catalog, entry) ? catalog[entry]! : () => import(specifierFor(entry));
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
