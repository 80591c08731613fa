import { EntitySchema } from '@mikro-orm/core';

/**
 * Plugins declare their entities as MikroORM `EntitySchema`s or as plain metadata (`{ name,
 * tableName, properties }`, the argument of `new EntitySchema`), so a plugin that depends only on
 * `@dogan/runtime` can own tables without importing MikroORM. Both become schemas here.
 */
export function asEntitySchemas(entities: readonly unknown[]): EntitySchema[] {
  return entities.map((e) => (e instanceof EntitySchema ? e : new EntitySchema(e as ConstructorParameters<typeof EntitySchema>[0])));
}
