import { EntitySchema } from '@mikro-orm/core';

/** A tenant API key: only its SHA-256 is stored; the prefix is shown in lists and used for lookup. */
export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  hash: string;
  scopes: string[];
  expiresAt?: Date | null;
  revokedAt?: Date | null;
  lastUsedAt?: Date | null;
  createdAt: Date;
}

export const ApiKeySchema = new EntitySchema<ApiKey>({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    tenantId: { type: 'string', length: 36, index: true },
    name: { type: 'string', length: 100 },
    prefix: { type: 'string', length: 16, unique: true },
    hash: { type: 'string', length: 64 },
    scopes: { type: 'json' },
    expiresAt: { type: 'datetime', nullable: true },
    revokedAt: { type: 'datetime', nullable: true },
    lastUsedAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
  },
});
