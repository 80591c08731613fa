import type { ControlPlaneMigration, TenantMigration } from '@dogan/runtime';
import { controlPlaneEventTables } from './0001-control-plane-events.js';
import { tenantOutboxTable } from './0001-tenant-outbox.js';

/** The events plugin's control-plane migrations, applied in name order. */
export const eventsControlPlaneMigrations: ControlPlaneMigration[] = [controlPlaneEventTables];

/** The events plugin's tenant-database migrations, applied in name order per tenant. */
export const eventsTenantMigrations: TenantMigration[] = [tenantOutboxTable];
