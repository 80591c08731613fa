import { EntitySchema } from '@mikro-orm/core';

/**
 * One client request made under an `Idempotency-Key`, per tenant and key: what the request was (a
 * fingerprint of method, route, parameters and body), whether it is still running and on whose
 * behalf, and, once done, the answer to replay.
 */
export interface IdempotencyRecord {
  id: string;
  tenantId: string;
  idempotencyKey: string;
  /** SHA-256 (hex) of method, route pattern, parameters and body: the same key with another request is refused. */
  fingerprint: string;
  state: 'in_progress' | 'done';
  /** A token of the request that holds the key; every change is conditional on it, so a late owner changes nothing. */
  owner: string;
  /** Until when the owner is trusted to be alive; after that another request may take the key over. */
  lockedUntil: Date;
  expiresAt: Date;
  responseStatus: number | null;
  /** Content-Type and Location of the answer. */
  responseHeaders: Record<string, string> | null;
  /** The answer's bytes, base64. */
  responseBody: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const IdempotencyRecordSchema = new EntitySchema<IdempotencyRecord>({
  name: 'IdempotencyRecord',
  tableName: 'idempotency_records',
  uniques: [{ properties: ['tenantId', 'idempotencyKey'] }],
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    tenantId: { type: 'string', length: 64 },
    idempotencyKey: { type: 'string', length: 255 },
    fingerprint: { type: 'string', length: 64 },
    state: { type: 'string', length: 12 },
    owner: { type: 'string', length: 36 },
    lockedUntil: { type: 'datetime' },
    expiresAt: { type: 'datetime', index: true },
    responseStatus: { type: 'integer', nullable: true },
    responseHeaders: { type: 'json', nullable: true },
    responseBody: { type: 'text', nullable: true },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
