import type { ControlPlaneMigration } from '@dogan/runtime';
import { initialTables } from './0001-initial-tables.js';

/** The marketplace plugin's control-plane migrations; the tenants plugin applies them in name order. */
export const marketplaceControlPlaneMigrations: ControlPlaneMigration[] = [initialTables];
