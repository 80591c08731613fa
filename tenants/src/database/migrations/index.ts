import type { ControlPlaneMigration } from '@dogan/runtime';
import { initialTables } from './0001-initial-tables.js';
import { leasesAndScheduledJobs } from './0002-leases-and-scheduled-jobs.js';
import { auditTrail } from './0003-audit-trail.js';

/** The tenants plugin's control-plane migrations; the tenants plugin applies them in name order. */
export const tenantsControlPlaneMigrations: ControlPlaneMigration[] = [initialTables, leasesAndScheduledJobs, auditTrail];
