import { join } from 'node:path';
import { int, loadSchemaConfig, maskValue, oneOf, optionalStr, optionalUrl, str, type LoadConfigOptions, type VariableSpec } from '@dogan/runtime';

/** Every environment variable the standalone registry reads; validated at start, each problem named. */
export const registryConfigSchema = {
  REGISTRY_PORT: int({ description: 'HTTP port of the standalone registry', default: 4873, min: 0, max: 65535 }),
  REGISTRY_HOST: str({ description: 'Interface to bind; 0.0.0.0 for other machines', default: '127.0.0.1' }),
  REGISTRY_DATA_DIR: str({ description: 'Folder for the SQLite database, the tarballs and the admin token hash', default: './data/registry' }),
  REGISTRY_DATABASE_URL: optionalUrl({
    description: 'PostgreSQL URL of the registry database; unset: SQLite at REGISTRY_DATA_DIR/registry.db',
    protocols: ['postgres:', 'postgresql:'],
    example: 'postgresql://postgres@127.0.0.1:5432/dogan_registry',
  }),
  REGISTRY_ADMIN_TOKEN: optionalStr({
    description: 'Admin token for /v1/admin/*; unset: generated at first start, stored hashed, printed once',
    secret: true,
    pattern: /^\S{24,}$/,
    example: 'change-me-to-a-long-random-string',
  }),
  REGISTRY_MAX_UPLOAD_BYTES: int({ description: 'Largest package upload (compressed), bytes', default: 10 * 1024 * 1024, min: 1024, max: 1024 * 1024 * 1024 }),
  REGISTRY_MAX_UNPACKED_BYTES: int({ description: 'Largest total size of a package once decompressed, bytes', default: 50 * 1024 * 1024, min: 1024, max: 4 * 1024 * 1024 * 1024 }),
  REGISTRY_MAX_FILES: int({ description: 'Most entries a package may hold', default: 1000, min: 4, max: 100_000 }),
  LOG_LEVEL: oneOf({ description: 'Minimum log level', default: 'info', values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const }),
} satisfies Record<string, VariableSpec<unknown>>;

export type RegistryConfig = ReturnType<typeof loadRegistryConfig>;

export function loadRegistryConfig(options: LoadConfigOptions = {}) {
  return loadSchemaConfig(registryConfigSchema, options);
}

/** Paths derived from the data dir. */
export function registryPaths(config: { REGISTRY_DATA_DIR: string }) {
  return {
    sqlite: join(config.REGISTRY_DATA_DIR, 'registry.db'),
    tarballs: join(config.REGISTRY_DATA_DIR, 'tarballs'),
    adminToken: join(config.REGISTRY_DATA_DIR, 'admin-token.json'),
  };
}

/** The configuration as `registry config` prints it: secrets masked, passwords out of URLs. */
export function describeConfigValues(config: RegistryConfig): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(registryConfigSchema).map(([name, spec]) => [name, maskValue(config[name as keyof RegistryConfig], spec.secret)]),
  );
}
