import { join } from 'node:path';
import { bool, int, oneOf, optionalStr, optionalUrl, str, type Config, type ConfigValues } from '@dogan/runtime';

/**
 * The tenants plugin's variables: where the control plane and the tenant databases live, how many
 * stay open, the lifecycle's timings and new tenants' defaults (the original system's names).
 */
export const tenantsConfigSchema = {
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
  TENANT_SWEEP_INTERVAL_MS: int({ description: 'How often trial expiry and deletion purges are checked, once per cluster', default: 600_000, min: 1_000, max: 86_400_000 }),
  LEASE_TTL_MS: int({
    description: 'How long a cluster lease outlives a holder that stopped renewing it (SQLite lease rows), and how long a silent PostgreSQL lease connection is trusted',
    default: 30_000,
    min: 500,
    max: 600_000,
  }),
  DOGAN_DEMO_TENANT: bool({ description: 'Create a demo tenant (subdomain "demo") at start when it does not exist', default: false }),
  TRIAL_PERIOD_DAYS: int({ description: 'Length of a new tenant\'s trial, in days', default: 14, min: 0, max: 365 }),
  DEFAULT_PLAN: oneOf({
    description: 'Plan given to new tenants',
    default: 'starter',
    values: ['starter', 'professional', 'enterprise'] as const,
  }),
};

export type TenantsConfig = Config & ConfigValues<typeof tenantsConfigSchema>;
