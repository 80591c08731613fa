import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { KernelErrors } from '../errors.js';
import { kernelConfigSchema, type Config, type ConfigSchema, type ConfigValues } from './schema.js';
import { maskValue } from './variables.js';

export interface LoadConfigOptions {
  /** Variables to read; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * A `.env` file whose values apply where `env` has none (the process environment wins, as with
   * dotenv). Defaults to `.env` in the working directory; `false` reads no file.
   */
  envFile?: string | false;
}

/** Raw variables as read: the environment over the `.env` file. */
export type ConfigSource = Readonly<Record<string, string | undefined>>;

function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

/** Reads the environment and the `.env` file into one source (nothing validated yet). */
export function readConfigSource(options: LoadConfigOptions = {}): ConfigSource {
  const env = options.env ?? process.env;
  const fileVars = options.envFile === false ? {} : readEnvFile(resolve(options.envFile ?? '.env'));
  return Object.freeze({ ...fileVars, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) });
}

/**
 * Parses one schema against a source, collecting every problem (each naming its variable) instead of
 * stopping at the first. `resolved` holds values already parsed (a plugin's defaults may derive from
 * the kernel's, as PLATFORM_DB_PATH does from DOGAN_DATA_DIR).
 */
export function parseSchema(schema: ConfigSchema, source: ConfigSource, resolved: Readonly<Record<string, unknown>> = {}): { values: Record<string, unknown>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const seen = { ...resolved };
  for (const [name, spec] of Object.entries(schema)) {
    try {
      values[name] = spec.parse(source[name], seen);
      seen[name] = values[name];
    } catch (err) {
      problems.push(`${name} ${(err as Error).message}`);
    }
  }
  return { values, problems };
}

export function configInvalid(problems: readonly string[]) {
  return KernelErrors.CONFIG_INVALID.with({ problems }, `Invalid configuration: ${problems.join('; ')}`);
}

/**
 * Reads and validates every variable of a schema (another service's, such as the registry's). All
 * problems are reported at once, each naming its variable, so an operator fixes the environment in
 * one pass.
 */
export function loadSchemaConfig<S extends ConfigSchema>(
  schema: S,
  options: LoadConfigOptions = {},
  check?: (resolved: Record<string, unknown>, problems: string[]) => void,
): ConfigValues<S> {
  const { values, problems } = parseSchema(schema, readConfigSource(options));
  check?.(values, problems);
  if (problems.length > 0) throw configInvalid(problems);
  return Object.freeze(values) as ConfigValues<S>;
}

/**
 * Where each loaded kernel config came from, so the plugins' variables are read from the same source
 * (a test's `env`, the process environment, the `.env` file) when the kernel starts.
 */
const sources = new WeakMap<object, ConfigSource>();

/** The source a config was loaded from; a config built by hand is its own source. */
export function sourceOf(config: Config): ConfigSource {
  return sources.get(config) ?? Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v === undefined ? undefined : String(v)]));
}

/**
 * The kernel's configuration, from the environment and `.env`. Plugins' variables are validated when
 * the kernel knows which plugins load (`buildKernel`), all problems named together.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const source = readConfigSource(options);
  const { values, problems } = parseSchema(kernelConfigSchema, source);
  if (problems.length > 0) throw configInvalid(problems);
  const config = Object.freeze(values) as Config;
  sources.set(config, source);
  return config;
}

/** A configuration as `dogan config` prints it: secrets masked, passwords out of URLs. */
export function describeConfig(values: Readonly<Record<string, unknown>>, schema: ConfigSchema = kernelConfigSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(schema)) out[name] = maskValue(values[name], spec.secret);
  return out;
}

/** Names of a schema's variables whose values must never appear in logs. */
export function secretVariableNames(schema: ConfigSchema): string[] {
  return Object.entries(schema).filter(([, spec]) => spec.secret).map(([name]) => name);
}
