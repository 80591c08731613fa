import type { TenantMigration } from '@dogan/runtime';

/**
 * Module storage in the tenant database: one documents table scoped by module and collection (its
 * primary key starts with both, so every query the host builds uses it), and the modules' log.
 */
export const moduleTenantMigrations: TenantMigration[] = [
  {
    name: '0001-module-documents',
    async up({ execute, dialect }) {
      const json = dialect === 'postgresql' ? 'jsonb' : 'text';
      await execute(`CREATE TABLE module_documents (
        module_id varchar(120) NOT NULL,
        collection varchar(63) NOT NULL,
        id varchar(64) NOT NULL,
        data ${json} NOT NULL,
        created_at varchar(32) NOT NULL,
        updated_at varchar(32) NOT NULL,
        PRIMARY KEY (module_id, collection, id)
      )`);
    },
  },
  {
    name: '0002-module-logs',
    async up({ execute, dialect }) {
      const id = dialect === 'postgresql' ? 'bigserial PRIMARY KEY' : 'integer PRIMARY KEY AUTOINCREMENT';
      await execute(`CREATE TABLE module_logs (
        id ${id},
        module_id varchar(120) NOT NULL,
        version varchar(40) NOT NULL,
        level varchar(8) NOT NULL,
        message text NOT NULL,
        data text,
        created_at varchar(32) NOT NULL
      )`);
      await execute('CREATE INDEX module_logs_module ON module_logs (module_id, id)');
    },
  },
];
