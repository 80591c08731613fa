/** `Idempotency-Key` for client requests: a control-plane store and a Fastify helper routes opt into. */
export { IdempotencyRecordSchema, type IdempotencyRecord } from './idempotency-record.js';
export {
  IdempotencyStore,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  type IdempotencyBegin,
  type IdempotencyClaim,
  type IdempotencyRequest,
  type IdempotencyStoreOptions,
  type StoredResponse,
} from './idempotency-store.js';
export { installIdempotency, requestFingerprint, IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, type IdempotencyOptions } from './idempotency-hooks.js';
