import { EntitySchema } from '@mikro-orm/core';

/** In every tenant database: which plugin migrations have run there. */
export interface MigrationRecord {
  id: string;
  plugin: string;
  name: string;
  appliedAt: Date;
}

export const MigrationRecordSchema = new EntitySchema<MigrationRecord>({
  name: 'DoganMigration',
  tableName: 'dogan_migrations',
  properties: {
    id: { type: 'string', primary: true, length: 200 },
    plugin: { type: 'string', length: 60 },
    name: { type: 'string', length: 140 },
    appliedAt: { type: 'datetime', onCreate: () => new Date() },
  },
});
