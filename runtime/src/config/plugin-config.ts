import { KernelErrors } from '../errors.js';
import type { AnyPluginDefinition } from '../plugin/define-plugin.js';
import { configInvalid, parseSchema, type ConfigSource } from './load-config.js';
import { kernelConfigSchema, type Config, type ConfigSchema } from './schema.js';
import type { VariableSpec } from './variables.js';

/**
 * The kernel's schema and every given plugin's, as one table in load order: what `.env.example`,
 * `dogan config` and the compose file are checked against. A variable declared twice is refused,
 * naming both owners, unless both share one spec (a plugin re-exporting another's).
 */
export function mergedConfigSchema(definitions: readonly AnyPluginDefinition[]): ConfigSchema {
  const merged: Record<string, VariableSpec<unknown>> = { ...kernelConfigSchema };
  const owner = new Map<string, string>(Object.keys(kernelConfigSchema).map((name) => [name, 'the kernel']));
  for (const def of definitions) {
    for (const [name, spec] of Object.entries((def.config ?? {}) as ConfigSchema)) {
      const first = owner.get(name);
      if (first !== undefined && merged[name] !== spec) throw KernelErrors.PLUGIN_CONFIG_CONFLICT(name, first, `plugin "${def.name}"`);
      merged[name] = spec;
      owner.set(name, `plugin "${def.name}"`);
    }
  }
  return merged;
}

/**
 * Parses every loaded plugin's variables from the source the kernel config came from and runs each
 * plugin's own cross-variable rules (call `mergedConfigSchema` first: it refuses a variable declared
 * twice). All problems, the kernel's included, are reported together; a
 * plugin that is not loaded requires nothing. Returns each plugin's config: the kernel's values and
 * its own.
 */
export function resolvePluginConfigs(
  kernel: { values: Config; problems: readonly string[] },
  source: ConfigSource,
  definitions: readonly AnyPluginDefinition[],
): Map<string, Config> {
  const problems = [...kernel.problems];
  const out = new Map<string, Config>();
  for (const def of definitions) {
    const parsed = parseSchema((def.config ?? {}) as ConfigSchema, source, kernel.values);
    if (parsed.problems.length === 0) def.checkConfig?.(parsed.values as never, parsed.problems);
    problems.push(...parsed.problems);
    out.set(def.name, Object.freeze({ ...kernel.values, ...parsed.values }) as Config);
  }
  if (problems.length > 0) throw configInvalid(problems);
  return out;
}
