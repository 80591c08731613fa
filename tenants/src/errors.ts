import { defineErrors } from '@dogan/runtime';

/** The tenants plugin's error table; codes are stable for clients and tests. */
export const TenantErrors = defineErrors({
  TENANT_NOT_FOUND: { status: 404, title: 'Tenant not found', message: 'No tenant matches "%s"' },
  TENANT_ID_INVALID: { status: 400, title: 'Malformed tenant reference', message: '"%s" is neither a tenant id (UUID) nor a subdomain' },
  TENANT_AMBIGUOUS: { status: 400, title: 'Conflicting tenant references', message: 'The request names tenant "%s" by %s and tenant "%s" by %s; name one' },
  TENANT_REQUIRED: { status: 400, title: 'Tenant not given', message: 'Name the tenant by subdomain, by path /api/v1/{tenant}/..., by the X-Tenant-ID header, or use a tenant API key' },
  TENANT_NAME_INVALID: { status: 400, title: 'Invalid tenant name', message: 'The tenant name %s' },
  SUBDOMAIN_INVALID: { status: 400, title: 'Invalid subdomain', message: 'Subdomain "%s" %s' },
  SUBDOMAIN_RESERVED: { status: 409, title: 'Reserved subdomain', message: 'Subdomain "%s" is reserved for the platform; choose another' },
  SUBDOMAIN_TAKEN: { status: 409, title: 'Subdomain taken', message: 'Subdomain "%s" belongs to another tenant; choose another' },
  PLAN_UNKNOWN: { status: 400, title: 'Unknown plan', message: 'Plan "%s" does not exist; use one of %s' },
  DATABASE_SERVER_UNKNOWN: { status: 400, title: 'Unknown database server', message: 'Database server "%s" is not configured; use one of %s' },
  TENANT_TRANSITION_INVALID: { status: 409, title: 'Tenant status change refused', message: 'Cannot %s a tenant that is %s' },
  TENANT_PROVISIONING_FAILED: { status: 500, title: 'Tenant provisioning failed', message: 'Provisioning tenant "%s" failed at step "%s": %s. Nothing was kept; it is safe to retry' },
  TENANT_SUSPENDED: { status: 403, title: 'Tenant suspended', message: 'Tenant "%s" is suspended; its administrator can contact support to reactivate it' },
  TENANT_CANCELLED: { status: 403, title: 'Tenant cancelled', message: 'Tenant "%s" has cancelled its subscription' },
  TENANT_EXPIRED: { status: 403, title: 'Tenant trial expired', message: 'The trial of tenant "%s" has ended; choose a plan to continue' },
  TENANT_PENDING_DELETION: { status: 403, title: 'Tenant being deleted', message: 'Tenant "%s" is scheduled for deletion; a platform admin can restore it' },
  TENANT_PROVISIONING: { status: 403, title: 'Tenant not ready', message: 'Tenant "%s" is still being provisioned' },
  TENANT_MIGRATION_FAILED: { status: 500, title: 'Tenant migration failed', message: 'Migration %s of tenant "%s" failed: %s' },
  API_KEY_INVALID: { status: 401, title: 'Invalid API key', message: 'The API key is not valid: %s' },
  API_KEY_TENANT_MISMATCH: { status: 403, title: 'API key of another tenant', message: 'This API key belongs to another tenant and cannot act on tenant "%s"' },
  API_KEY_SCOPE_MISSING: { status: 403, title: 'Missing scope', message: 'This API key lacks the "%s" scope' },
  API_KEY_NOT_FOUND: { status: 404, title: 'API key not found', message: 'Tenant has no API key "%s"' },
  AUTH_REQUIRED: { status: 401, title: 'Authentication required', message: 'Send a tenant API key as "Authorization: Bearer <key>" or "X-API-Key: <key>"' },
  ARCHIVE_INVALID: { status: 400, title: 'Invalid tenant archive', message: 'The tenant archive cannot be imported: %s' },
});
