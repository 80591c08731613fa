import { randomBytes, randomUUID } from 'node:crypto';
import type { MikroORM } from '@mikro-orm/core';
import { hashToken, tokenMatchesHash } from '@dogan/runtime';
import { sqlSession } from './database/sql-session.js';
import { ApiKeySchema, type ApiKey } from './entities/api-key.js';
import { TenantErrors } from './errors.js';
import { EventRecorder } from './event-recorder.js';
import { apiKeyEvent } from './events.js';

/** Scopes a key may carry: `admin` manages the tenant's own keys and settings. */
export const API_KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface VerifiedKey {
  keyId: string;
  tenantId: string;
  prefix: string;
  scopes: string[];
}

/** What lists show: never the hash. */
export function publicKey(k: ApiKey) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    expiresAt: k.expiresAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    createdAt: k.createdAt.toISOString(),
  };
}

const KEY_FORMAT = /^dgn_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const CACHE_MS = 30_000;

/**
 * Tenant API keys: `dgn_<prefix>_<secret>`, shown once, stored as SHA-256 with the prefix in clear for
 * lookup. Verified keys are cached for 30 s so a request costs no control-plane query; revoking
 * through this service clears the cache at once, and other nodes drop it on the `apikey.revoked`
 * event recorded with the revocation (within 30 s when no events plugin is loaded).
 */
export class ApiKeyService {
  private readonly cache = new Map<string, { key: VerifiedKey; expiresAt: number | null; until: number }>();

  constructor(
    private readonly controlPlane: MikroORM,
    private readonly events: EventRecorder = EventRecorder.none,
  ) {}

  async create(tenantId: string, input: { name: string; scopes: string[]; expiresAt?: Date | null }): Promise<{ key: string; record: ApiKey }> {
    const prefix = randomBytes(6).toString('hex');
    const key = `dgn_${prefix}_${randomBytes(32).toString('base64url')}`;
    const record = await this.controlPlane.em.fork().transactional(async (em) => {
      const created = em.create(ApiKeySchema, {
        id: randomUUID(),
        tenantId,
        name: input.name,
        prefix: `dgn_${prefix}`,
        hash: hashToken(key),
        scopes: [...new Set(input.scopes)],
        expiresAt: input.expiresAt ?? null,
        createdAt: new Date(),
      });
      await em.flush();
      await this.events.record(sqlSession(em), [apiKeyEvent('apikey.created', created)]);
      return created;
    });
    return { key, record };
  }

  async list(tenantId: string): Promise<ApiKey[]> {
    return this.controlPlane.em.fork().find(ApiKeySchema, { tenantId }, { orderBy: { createdAt: 'asc' } });
  }

  async get(tenantId: string, keyId: string): Promise<ApiKey> {
    const key = await this.controlPlane.em.fork().findOne(ApiKeySchema, { id: keyId, tenantId });
    if (!key) throw TenantErrors.API_KEY_NOT_FOUND(keyId);
    return key;
  }

  async revoke(tenantId: string, keyId: string, reason: 'revoked' | 'rotated' = 'revoked'): Promise<ApiKey> {
    const key = await this.controlPlane.em.fork().transactional(async (em) => {
      const found = await em.findOne(ApiKeySchema, { id: keyId, tenantId }, { disableIdentityMap: true });
      if (!found) throw TenantErrors.API_KEY_NOT_FOUND(keyId);
      if (found.revokedAt) return found;
      const at = new Date();
      // Conditional, so that of two revocations at once only one says so.
      if ((await em.nativeUpdate(ApiKeySchema, { id: keyId, revokedAt: null }, { revokedAt: at })) !== 1) {
        return (await em.findOne(ApiKeySchema, { id: keyId }, { disableIdentityMap: true }))!;
      }
      found.revokedAt = at;
      await this.events.record(sqlSession(em), [apiKeyEvent('apikey.revoked', found, reason)]);
      return found;
    });
    this.forget(key.prefix);
    return key;
  }

  /** A new key with the same name and scopes; the old one stops working now. */
  async rotate(tenantId: string, keyId: string): Promise<{ key: string; record: ApiKey }> {
    const old = await this.get(tenantId, keyId);
    if (old.revokedAt) throw TenantErrors.API_KEY_INVALID('it was revoked and cannot be rotated');
    const created = await this.create(tenantId, { name: old.name, scopes: old.scopes, expiresAt: old.expiresAt ?? null });
    await this.revoke(tenantId, keyId, 'rotated');
    return created;
  }

  /**
   * When a tenant is purged. No `apikey.revoked` per key: the purge's `tenant.deleted` (purged: true)
   * says it for all of them, and other nodes drop the tenant and its keys on it.
   */
  async revokeAllOf(tenantId: string): Promise<void> {
    await this.controlPlane.em.fork().nativeUpdate(ApiKeySchema, { tenantId, revokedAt: null }, { revokedAt: new Date() });
    this.forgetTenant(tenantId);
  }

  /** Drops a key from this node's cache (a revocation made here or on another node). */
  forget(prefix: string): void {
    for (const [k, v] of this.cache) if (v.key.prefix === prefix) this.cache.delete(k);
  }

  forgetTenant(tenantId: string): void {
    for (const [k, v] of this.cache) if (v.key.tenantId === tenantId) this.cache.delete(k);
  }

  /** Drops every cached key (the bus was down: revocations may have been missed). */
  forgetAll(): void {
    this.cache.clear();
  }

  /** The key's tenant and scopes, or API_KEY_INVALID saying why (malformed, unknown, revoked, expired). */
  async verify(presented: string): Promise<VerifiedKey> {
    const now = Date.now();
    const hash = hashToken(presented);
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) {
      if (cached.expiresAt !== null && cached.expiresAt <= now) throw TenantErrors.API_KEY_INVALID('it has expired');
      return cached.key;
    }
    const m = KEY_FORMAT.exec(presented);
    if (!m) throw TenantErrors.API_KEY_INVALID('it is not in the dgn_<prefix>_<secret> format');
    const record = await this.controlPlane.em.fork().findOne(ApiKeySchema, { prefix: `dgn_${m[1]}` });
    if (!record || !tokenMatchesHash(presented, record.hash)) throw TenantErrors.API_KEY_INVALID('no such key');
    if (record.revokedAt) throw TenantErrors.API_KEY_INVALID('it was revoked');
    if (record.expiresAt && record.expiresAt.getTime() <= now) throw TenantErrors.API_KEY_INVALID('it has expired');
    const key: VerifiedKey = { keyId: record.id, tenantId: record.tenantId, prefix: record.prefix, scopes: record.scopes };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { key, expiresAt: record.expiresAt?.getTime() ?? null, until: now + CACHE_MS });
    return key;
  }
}
