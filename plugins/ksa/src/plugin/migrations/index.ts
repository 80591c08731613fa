import type { ControlPlaneMigration } from '@dogan/runtime';
import { initialTables } from './0001-initial-tables.js';

/** The ksa plugin's control-plane migrations; the tenants plugin applies them in name order. */
export const ksaControlPlaneMigrations: ControlPlaneMigration[] = [initialTables];
