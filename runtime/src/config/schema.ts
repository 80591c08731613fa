import { int, oneOf, optionalStr, str, type VariableSpec } from './variables.js';

/**
 * The kernel's own environment variables. Each plugin declares its own (`definePlugin({ config })`);
 * the kernel merges the loaded plugins' schemas with this one and validates them all at start.
 * The original system's names (PLATFORM_DB_PATH, TENANT_DB_DIR, TRIAL_PERIOD_DAYS, ...) are kept by
 * the plugins that own them.
 */
export const kernelConfigSchema = {
  PORT: int({ description: 'HTTP port the platform listens on', default: 3000, min: 0, max: 65535 }),
  HOST: str({ description: 'Interface to bind; 0.0.0.0 to accept connections from other machines', default: '127.0.0.1' }),
  LOG_LEVEL: oneOf({
    description: 'Minimum level of the structured (pino) logs',
    default: 'info',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
  }),
  DOGAN_DATA_DIR: str({ description: 'Folder for the embedded databases, generated secrets and files', default: './data' }),
  DOGAN_ADMIN_TOKEN: optionalStr({
    description: 'Platform admin token for /api/admin/*; unset: one is generated at first start, stored hashed and printed once',
    secret: true,
    pattern: /^\S{24,}$/,
    example: 'change-me-to-a-long-random-string',
  }),
  DOGAN_SECRET_KEY: optionalStr({
    description: 'Key that encrypts secrets at rest (32 bytes, base64); unset: generated once into <data dir>/secret.key. Every node must share it',
    secret: true,
    pattern: /^[A-Za-z0-9+/]{43}=$/,
    example: 'output of: openssl rand -base64 32',
  }),
  DOGAN_PLUGINS: str({
    description: 'Plugins to load: "all" (every first-party plugin) or a comma-separated list of names or module paths',
    default: 'all',
  }),
  DOGAN_BASE_DOMAIN: str({ description: 'Base domain for tenant subdomains (acme.<base domain>)', default: 'localhost' }),
  DOGAN_BODY_LIMIT: int({ description: 'Largest request body accepted, in bytes', default: 1_048_576, min: 1024, max: 104_857_600 }),
  DOGAN_SHUTDOWN_TIMEOUT_MS: int({
    description: 'How long a graceful shutdown waits for in-flight requests before exiting',
    default: 10_000,
    min: 100,
    max: 120_000,
  }),
} satisfies Record<string, VariableSpec<unknown>>;

/** A table of environment variables: the kernel's, a plugin's, or another service's (the registry's). */
export type ConfigSchema = Readonly<Record<string, VariableSpec<unknown>>>;

/** The resolved values of a schema, typed by it. */
export type ConfigValues<S> = { readonly [K in keyof S]: S[K] extends VariableSpec<infer T> ? T : never };

/** The kernel's resolved, validated configuration; a plugin sees it merged with its own. */
export type Config = ConfigValues<typeof kernelConfigSchema>;

export type ConfigName = keyof typeof kernelConfigSchema;
