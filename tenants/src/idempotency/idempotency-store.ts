import { randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { IdempotencyRecordSchema, type IdempotencyRecord } from './idempotency-record.js';

/** How long a key is remembered (Stripe keeps keys for 24 hours). */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** How long a request may hold a key before another request may assume its owner died. */
export const IDEMPOTENCY_LEASE_MS = 60_000;
/** What an in-progress refusal tells the client to wait, in seconds. */
export const IDEMPOTENCY_RETRY_AFTER_S = 1;
const PURGE_EVERY_MS = 3_600_000;

export interface IdempotencyRequest {
  tenantId: string;
  key: string;
  fingerprint: string;
}

/** The request that holds a key; `owner` makes every later change to the record conditional. */
export interface IdempotencyClaim {
  id: string;
  owner: string;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type IdempotencyBegin =
  | { outcome: 'execute'; claim: IdempotencyClaim }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'reused' }
  | { outcome: 'in_progress'; retryAfterSeconds: number };

export interface IdempotencyStoreOptions {
  /** The control plane, where the `idempotency_records` table lives. */
  orm: MikroORM;
  now?: () => Date;
  ttlMs?: number;
  leaseMs?: number;
}

const isUniqueViolation = (err: unknown) => (err as Error).name === 'UniqueConstraintViolationException';

/**
 * Idempotency keys in the control plane, shared by every node. A key is claimed by inserting its
 * record (a unique key per tenant and key), so of two nodes receiving the same request one runs it
 * and the other is told it is in progress; once done, the answer is kept for replay. Expired records
 * count as absent, and an in-progress record whose lease ran out is taken over, so a node that died
 * mid-request does not lock a key forever.
 */
export class IdempotencyStore {
  private readonly now: () => Date;
  private readonly ttlMs: number;
  private readonly leaseMs: number;
  private lastPurge = 0;

  constructor(private readonly options: IdempotencyStoreOptions) {
    this.now = options.now ?? (() => new Date());
    this.ttlMs = options.ttlMs ?? IDEMPOTENCY_TTL_MS;
    this.leaseMs = options.leaseMs ?? IDEMPOTENCY_LEASE_MS;
  }

  async begin(request: IdempotencyRequest): Promise<IdempotencyBegin> {
    this.purgeNowAndThen();
    // Each pass either decides or lost a race to another request that changed the record; look again.
    for (let pass = 0; pass < 3; pass++) {
      const now = this.now();
      const found = await this.options.orm.em.fork().findOne(IdempotencyRecordSchema, { tenantId: request.tenantId, idempotencyKey: request.key });
      if (!found) {
        const claim = await this.insert(request, now);
        if (claim) return { outcome: 'execute', claim };
        continue;
      }
      const expired = found.expiresAt.getTime() <= now.getTime();
      if (!expired && found.fingerprint !== request.fingerprint) return { outcome: 'reused' };
      if (!expired && found.state === 'done') return { outcome: 'replay', response: responseOf(found) };
      if (!expired && found.lockedUntil.getTime() > now.getTime()) return { outcome: 'in_progress', retryAfterSeconds: IDEMPOTENCY_RETRY_AFTER_S };
      const claim = await this.restart(found, request, now);
      if (claim) return { outcome: 'execute', claim };
    }
    return { outcome: 'in_progress', retryAfterSeconds: IDEMPOTENCY_RETRY_AFTER_S };
  }

  /** Keeps the answer for replay; false when the claim was taken over meanwhile (nothing is written). */
  async complete(claim: IdempotencyClaim, response: StoredResponse): Promise<boolean> {
    const changed = await this.options.orm.em.fork().nativeUpdate(
      IdempotencyRecordSchema,
      { id: claim.id, owner: claim.owner, state: 'in_progress' },
      { state: 'done', responseStatus: response.status, responseHeaders: response.headers, responseBody: response.body.toString('base64'), updatedAt: this.now() },
    );
    return changed === 1;
  }

  /** Forgets a claim whose request failed on our side, so the client's retry runs again. */
  async release(claim: IdempotencyClaim): Promise<void> {
    await this.options.orm.em.fork().nativeDelete(IdempotencyRecordSchema, { id: claim.id, owner: claim.owner, state: 'in_progress' });
  }

  async purgeExpired(): Promise<number> {
    return this.options.orm.em.fork().nativeDelete(IdempotencyRecordSchema, { expiresAt: { $lte: this.now() } });
  }

  private async insert(request: IdempotencyRequest, now: Date): Promise<IdempotencyClaim | null> {
    const claim = { id: randomUUID(), owner: randomUUID() };
    try {
      await this.options.orm.em.fork().insert(IdempotencyRecordSchema, {
        id: claim.id,
        tenantId: request.tenantId,
        idempotencyKey: request.key,
        ...this.fresh(request, claim.owner, now),
        createdAt: now,
      });
      return claim;
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
  }

  /** Starts the key afresh in place of an expired record or a dead owner's, if nobody else did first. */
  private async restart(found: IdempotencyRecord, request: IdempotencyRequest, now: Date): Promise<IdempotencyClaim | null> {
    const owner = randomUUID();
    const changed = await this.options.orm.em.fork().nativeUpdate(IdempotencyRecordSchema, { id: found.id, owner: found.owner }, this.fresh(request, owner, now));
    return changed === 1 ? { id: found.id, owner } : null;
  }

  private fresh(request: IdempotencyRequest, owner: string, now: Date) {
    return {
      fingerprint: request.fingerprint,
      state: 'in_progress' as const,
      owner,
      lockedUntil: new Date(now.getTime() + this.leaseMs),
      expiresAt: new Date(now.getTime() + this.ttlMs),
      responseStatus: null,
      responseHeaders: null,
      responseBody: null,
      updatedAt: now,
    };
  }

  /** Expired records are ignored when read; deleting them now and then keeps the table small. */
  private purgeNowAndThen(): void {
    const at = this.now().getTime();
    if (at - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = at;
    void this.purgeExpired().catch(() => undefined);
  }
}

function responseOf(record: IdempotencyRecord): StoredResponse {
  return { status: record.responseStatus ?? 200, headers: record.responseHeaders ?? {}, body: Buffer.from(record.responseBody ?? '', 'base64') };
}
