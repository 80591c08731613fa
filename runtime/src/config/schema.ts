import { join } from 'node:path';
import { bool, int, oneOf, optionalInt, optionalStr, optionalUrl, str, type VariableSpec } from './variables.js';

/**
 * Every environment variable Dogan reads, in one table: the loader validates them all at start,
 * `.env.example` documents them (a test keeps the two in step) and docker-compose.yml may set only these.
 * The original system's names (PLATFORM_DB_PATH, TENANT_DB_DIR, TRIAL_PERIOD_DAYS, ...) are kept.
 */
export const configSchema = {
  PORT: int({ description: 'HTTP port the platform listens on', default: 3000, min: 0, max: 65535 }),
  HOST: str({ description: 'Interface to bind; 0.0.0.0 to accept connections from other machines', default: '127.0.0.1' }),
  LOG_LEVEL: oneOf({
    description: 'Minimum level of the structured (pino) logs',
    default: 'info',
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
  }),
  DOGAN_DATA_DIR: str({ description: 'Folder for the embedded databases, generated secrets and files', default: './data' }),
  DATABASE_URL: optionalUrl({
    description: 'Control-plane PostgreSQL URL; unset means the embedded SQLite database under DOGAN_DATA_DIR',
    protocols: ['postgres:', 'postgresql:'],
    example: 'postgresql://postgres@127.0.0.1:5432/dogan',
  }),
  PLATFORM_DB_PATH: str({
    description: 'SQLite file of the control plane when DATABASE_URL is unset',
    default: (r) => join(String(r.DOGAN_DATA_DIR), 'platform.db'),
  }),
  TENANT_DB_DIR: str({
    description: 'Folder of the per-tenant SQLite files when DATABASE_URL is unset',
    default: (r) => join(String(r.DOGAN_DATA_DIR), 'tenants'),
  }),
  TENANT_DB_SERVERS: optionalStr({
    description: 'PostgreSQL servers that hold tenant databases, as name=url pairs separated by commas; unset: the DATABASE_URL server, named "default"',
    pattern: /^[a-z0-9-]+=postgres(ql)?:\/\/\S+(,[a-z0-9-]+=postgres(ql)?:\/\/\S+)*$/,
    example: 'main=postgresql://postgres@10.0.0.5:5432/postgres,second=postgresql://postgres@10.0.0.6:5432/postgres',
  }),
  TENANT_ORM_CACHE_SIZE: int({ description: 'How many tenant databases stay open at once (least recently used are closed)', default: 100, min: 1, max: 100_000 }),
  TENANT_ORM_IDLE_MS: int({ description: 'A tenant database unused this long is closed', default: 300_000, min: 1_000, max: 86_400_000 }),
  TENANT_DB_POOL_MAX: int({
    description: 'PostgreSQL connections per open tenant database; at most TENANT_ORM_CACHE_SIZE x this many are open',
    default: 1,
    min: 1,
    max: 20,
  }),
  TENANT_DELETION_GRACE_DAYS: int({ description: 'Days a deleted tenant stays restorable before it is purged', default: 30, min: 0, max: 365 }),
  TENANT_SWEEP_INTERVAL_MS: int({ description: 'How often trial expiry and deletion purges are checked', default: 600_000, min: 1_000, max: 86_400_000 }),
  DOGAN_DEMO_TENANT: bool({ description: 'Create a demo tenant (subdomain "demo") at start when it does not exist', default: false }),
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
  DOGAN_REGISTRY_URL: optionalUrl({
    description: 'Marketplace registry the platform installs modules from; unset: the registry embedded under /registry',
    protocols: ['http:', 'https:'],
    example: 'https://registry.example.com/',
  }),
  NATS_URL: optionalUrl({
    description: 'NATS server with JetStream for the durable event bus; unset: the in-process bus',
    protocols: ['nats:', 'tls:'],
    example: 'nats://127.0.0.1:4222',
  }),
  // Sandbox limits: unset means the sandbox's own default (runtime/src/sandbox/options.ts).
  SANDBOX_HOSTS: optionalInt({ description: 'Sandbox host processes', min: 1, max: 256, defaultText: 'one per core' }),
  SANDBOX_MEMORY_MB: optionalInt({ description: 'Memory limit of one module isolate, MB', min: 8, max: 4096, defaultText: '64' }),
  SANDBOX_CPU_MS: optionalInt({ description: 'CPU limit of a module route or event call, ms', min: 1, max: 60000, defaultText: '100' }),
  SANDBOX_JOB_CPU_MS: optionalInt({ description: 'CPU limit of a module job or install/upgrade hook, ms', min: 1, max: 600000, defaultText: '1000' }),
  SANDBOX_WALL_MS: optionalInt({ description: 'Wall-clock deadline of a module route or event call, ms', min: 10, max: 600000, defaultText: '10000' }),
  SANDBOX_JOB_WALL_MS: optionalInt({ description: 'Wall-clock deadline of a module job or hook, ms', min: 10, max: 3600000, defaultText: '60000' }),
  SANDBOX_MAX_PENDING: optionalInt({ description: 'Calls waiting for one isolate before new ones are refused', min: 1, max: 10000, defaultText: '64' }),
  SANDBOX_IDLE_MS: optionalInt({ description: 'An isolate unused this long is disposed, ms', min: 1000, max: 86400000, defaultText: '300000' }),
  SANDBOX_HOST_MEMORY_MB: optionalInt({ description: 'Memory budget of all isolates of one host, MB', min: 64, max: 1000000, defaultText: '1024' }),
  SANDBOX_HOST_RSS_MB: optionalInt({ description: 'Resident memory of one sandbox host above which its largest isolates are recycled, MB', min: 128, max: 1000000, defaultText: '2048' }),
  SANDBOX_MAX_ISOLATES: optionalInt({ description: 'Most isolates alive in one host', min: 1, max: 1000000, defaultText: '2000' }),
  SANDBOX_STORAGE_OPS: optionalInt({ description: 'Storage operations per module call', min: 1, max: 1000000, defaultText: '500' }),
  SANDBOX_STORAGE_VALUE_BYTES: optionalInt({ description: 'Largest stored document, bytes', min: 1024, max: 67108864, defaultText: '262144' }),
  SANDBOX_HTTP_REQUESTS: optionalInt({ description: 'Outbound HTTP requests per module call', min: 0, max: 10000, defaultText: '20' }),
  SANDBOX_HTTP_CONCURRENCY: optionalInt({ description: 'Outbound HTTP requests in flight per isolate', min: 1, max: 1000, defaultText: '4' }),
  SANDBOX_HTTP_TIMEOUT_MS: optionalInt({ description: 'Timeout of one outbound HTTP request, ms', min: 100, max: 600000, defaultText: '5000' }),
  SANDBOX_HTTP_RESPONSE_BYTES: optionalInt({ description: 'Largest outbound HTTP response body, bytes', min: 1024, max: 1073741824, defaultText: '1048576' }),
  SANDBOX_LOG_LINES: optionalInt({ description: 'Log lines kept per module call', min: 0, max: 1000000, defaultText: '100' }),
  SANDBOX_REQUEST_BYTES: optionalInt({ description: 'Largest request body passed to a module, bytes', min: 1024, max: 1073741824, defaultText: '1048576' }),
  SANDBOX_RESPONSE_BYTES: optionalInt({ description: 'Largest response body from a module, bytes', min: 1024, max: 1073741824, defaultText: '1048576' }),
  SANDBOX_CODE_BYTES: optionalInt({ description: 'Largest module bundle, bytes', min: 1024, max: 1073741824, defaultText: '5242880' }),
  TRIAL_PERIOD_DAYS: int({ description: 'Length of a new tenant\'s trial, in days', default: 14, min: 0, max: 365 }),
  DEFAULT_PLAN: oneOf({
    description: 'Plan given to new tenants',
    default: 'starter',
    values: ['starter', 'professional', 'enterprise'] as const,
  }),
  BILLING_PROVIDER: oneOf({
    description: 'Payment provider used to charge invoices',
    default: 'none',
    values: ['none', 'stripe', 'moyasar', 'bank_transfer'] as const,
  }),
  STRIPE_SECRET_KEY: optionalStr({
    description: 'Stripe secret key, needed when BILLING_PROVIDER=stripe',
    secret: true,
    example: 'sk_test_...',
  }),
  STRIPE_WEBHOOK_SECRET: optionalStr({ description: 'Signing secret of the Stripe webhook endpoint (whsec_...)', secret: true, example: 'whsec_...' }),
  STRIPE_API_URL: optionalUrl({
    description: "Stripe API base URL; unset: Stripe's own. Tests point it at the simulator",
    protocols: ['http:', 'https:'],
    example: 'http://127.0.0.1:12111',
  }),
  MOYASAR_SECRET_KEY: optionalStr({ description: 'Moyasar secret API key (mada, Apple Pay, STC Pay)', secret: true, example: 'sk_test_...' }),
  MOYASAR_WEBHOOK_SECRET: optionalStr({ description: 'The secret token Moyasar sends with each webhook', secret: true, example: 'change-me' }),
  MOYASAR_API_URL: optionalUrl({
    description: "Moyasar API base URL; unset: Moyasar's own. Tests point it at the simulator",
    protocols: ['http:', 'https:'],
    example: 'http://127.0.0.1:12112',
  }),
  DOGAN_SELLER_NAME: str({ description: 'Seller name printed on invoices and in the ZATCA QR code', default: 'Dogan' }),
  DOGAN_SELLER_VAT_NUMBER: optionalStr({
    description: 'Seller VAT registration number (15 digits, starts and ends with 3) for invoices',
    pattern: /^3\d{13}3$/,
    example: '399999999900003',
  }),
  BILLING_CURRENCY: oneOf({ description: 'Currency of plans and invoices', default: 'SAR', values: ['SAR', 'USD'] as const }),
  MARKETPLACE_PUBLISHER_SHARE_PERCENT: int({ description: "Publishers' share of a paid module's price, in percent", default: 70, min: 0, max: 100 }),
  USAGE_TRACKING_ENABLED: bool({ description: 'Count API calls and other usage for quotas and billing', default: true }),
} satisfies Record<string, VariableSpec<unknown>>;

type SpecValue<S> = S extends VariableSpec<infer T> ? T : never;

/** The resolved, validated configuration. */
export type Config = { readonly [K in keyof typeof configSchema]: SpecValue<(typeof configSchema)[K]> };

export type ConfigName = keyof typeof configSchema;
