import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { KernelErrors } from '../errors.js';
import { configSchema, type Config, type ConfigName } from './schema.js';
import { maskValue, type VariableSpec } from './variables.js';

export interface LoadConfigOptions {
  /** Variables to read; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * A `.env` file whose values apply where `env` has none (the process environment wins, as with
   * dotenv). Defaults to `.env` in the working directory; `false` reads no file.
   */
  envFile?: string | false;
}

function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
}

type SchemaValues<S extends Record<string, VariableSpec<unknown>>> = { readonly [K in keyof S]: S[K] extends VariableSpec<infer T> ? T : never };

/**
 * Reads and validates every variable of a schema (the platform's, or another service's such as the
 * registry's). All problems are reported at once, each naming its variable, so an operator fixes the
 * environment in one pass.
 */
export function loadSchemaConfig<S extends Record<string, VariableSpec<unknown>>>(
  schema: S,
  options: LoadConfigOptions = {},
  check?: (resolved: Record<string, unknown>, problems: string[]) => void,
): SchemaValues<S> {
  const env = options.env ?? process.env;
  const fileVars = options.envFile === false ? {} : readEnvFile(resolve(options.envFile ?? '.env'));
  const resolved: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    const raw = env[name] ?? fileVars[name];
    try {
      resolved[name] = spec.parse(raw, resolved);
    } catch (err) {
      problems.push(`${name} ${(err as Error).message}`);
    }
  }
  check?.(resolved, problems);
  if (problems.length > 0) {
    throw KernelErrors.CONFIG_INVALID.with({ problems }, `Invalid configuration: ${problems.join('; ')}`);
  }
  return Object.freeze(resolved) as SchemaValues<S>;
}

/** The platform's configuration, from the environment and `.env`. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  return loadSchemaConfig(configSchema, options, (resolved, problems) => {
    if (resolved.BILLING_PROVIDER === 'stripe' && !resolved.STRIPE_SECRET_KEY) {
      problems.push('STRIPE_SECRET_KEY must be set when BILLING_PROVIDER=stripe');
    }
  });
}

/** The configuration as `dogan config` prints it: secrets masked, passwords out of URLs. */
export function describeConfig(config: Config): Record<ConfigName, unknown> {
  const out = {} as Record<ConfigName, unknown>;
  for (const [name, spec] of Object.entries(configSchema) as Array<[ConfigName, { secret: boolean }]>) {
    out[name] = maskValue(config[name], spec.secret);
  }
  return out;
}

/** Names of the variables whose values must never appear in logs. */
export function secretVariableNames(): ConfigName[] {
  return (Object.keys(configSchema) as ConfigName[]).filter((n) => configSchema[n].secret);
}
