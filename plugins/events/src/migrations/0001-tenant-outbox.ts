import type { TenantMigration } from '@dogan/runtime';
import { outboxTableSql } from './outbox-table.js';

/** Each tenant database's outbox: a tenant's state change and its events commit together there. */
export const tenantOutboxTable: TenantMigration = {
  name: '0001-event-outbox',
  async up({ execute, dialect }) {
    for (const sql of outboxTableSql(dialect)) await execute(sql);
  },
};
