import type { Tenant } from '../entities/tenant.js';
import { TENANT_STATUSES } from '../entities/tenant.js';
import { PLAN_NAMES } from '../plans.js';

/** Path parameter: a tenant id (UUID) or subdomain; other shapes are refused before any look-up. */
export const tenantRefParam = {
  type: 'string',
  minLength: 3,
  maxLength: 63,
  pattern: '^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[a-z0-9][a-z0-9-]{1,62})$',
} as const;

export const tenantParams = {
  type: 'object',
  required: ['id'],
  properties: { id: tenantRefParam },
} as const;

export const tenantSchema = {
  type: 'object',
  required: ['id', 'name', 'subdomain', 'status', 'plan', 'trialEndsAt', 'createdAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    subdomain: { type: 'string' },
    status: { type: 'string', enum: [...TENANT_STATUSES] },
    plan: { type: 'string' },
    trialEndsAt: { type: ['string', 'null'], format: 'date-time' },
    deletionScheduledAt: { type: ['string', 'null'], format: 'date-time' },
    databaseServer: { type: 'string' },
    locale: { type: 'string' },
    timezone: { type: 'string' },
    country: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const createTenantBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, description: 'Display name, Arabic or English' },
    subdomain: { type: 'string', minLength: 1, maxLength: 100, description: 'Derived from the name when left out' },
    plan: { type: 'string', enum: PLAN_NAMES },
    trialDays: { type: 'integer', minimum: 0, maximum: 365 },
    databaseServer: { type: 'string', pattern: '^[a-z0-9-]{1,63}$', description: 'PostgreSQL server to place the database on' },
    locale: { type: 'string', enum: ['ar', 'en'] },
    timezone: { type: 'string', format: 'time-zone', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Riyadh' },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
  },
} as const;

export const updateTenantBody = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    plan: { type: 'string', enum: PLAN_NAMES },
    locale: { type: 'string', enum: ['ar', 'en'] },
    timezone: { type: 'string', format: 'time-zone', minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Asia/Riyadh' },
  },
} as const;

export const listTenantsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: [...TENANT_STATUSES] },
    plan: { type: 'string', enum: PLAN_NAMES },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    offset: { type: 'integer', minimum: 0, default: 0 },
  },
} as const;

/** The JSON shape of a tenant, camelCase as the original system's API. */
export function tenantJson(t: Tenant) {
  return {
    id: t.id,
    name: t.name,
    subdomain: t.subdomain,
    status: t.status,
    plan: t.plan,
    trialEndsAt: t.trialEndsAt?.toISOString() ?? null,
    deletionScheduledAt: t.deletionScheduledAt?.toISOString() ?? null,
    databaseServer: t.databaseServer,
    locale: t.locale,
    timezone: t.timezone,
    country: t.country,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export const apiKeySchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    prefix: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
    expiresAt: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'] },
    lastUsedAt: { type: ['string', 'null'] },
    createdAt: { type: 'string' },
    key: { type: 'string', description: 'The key itself: shown only in the response that creates it' },
  },
} as const;

export const createApiKeyBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    scopes: { type: 'array', items: { type: 'string', enum: ['read', 'write', 'admin'] }, minItems: 1, uniqueItems: true, default: ['read', 'write'] },
    expiresAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const keyParams = {
  type: 'object',
  required: ['keyId'],
  properties: { keyId: { type: 'string', format: 'uuid' } },
} as const;
