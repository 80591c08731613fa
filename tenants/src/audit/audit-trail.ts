import type { MikroORM } from '@mikro-orm/core';
import { sqlSession, type SqlSession } from '../database/sql-session.js';
import { AuditErrors } from './audit-errors.js';
import { allChains, appendEntry, chainHead, pageOfEntries, scanEntries, type AuditFilters, type UnchainedEntry } from './audit-store.js';
import { storableText } from '../database/storable-text.js';
import { maskedObject } from './mask-secrets.js';
import { actorLabel, chainOf, isActorKind, PLATFORM_CHAIN, type AuditRecorder, type AuditRecordInput, type AuditTrailEntry } from './trail-entry.js';
import { ChainVerifier, type ChainVerification } from './verify-chain.js';

const ACTION = /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/;

/** Cuts a text to its column's width. */
const fit = (value: string | null | undefined, max: number): string | null => (value === null || value === undefined ? null : storableText(value.slice(0, max)));

/** Checks what a plugin asked to record and shapes it as stored: secrets masked, texts fitted to their columns. */
export function unchainedEntry(input: AuditRecordInput, at: Date): UnchainedEntry {
  if (!ACTION.test(input.action) || input.action.length > 120) throw AuditErrors.AUDIT_ENTRY_INVALID(`action "${input.action.slice(0, 130)}" is not dotted lowercase words of at most 120 characters`);
  if (!isActorKind(input.actor.kind)) throw AuditErrors.AUDIT_ENTRY_INVALID(`actor kind "${String(input.actor.kind)}" is unknown`);
  const actor = { kind: input.actor.kind, id: fit(input.actor.id, 100) };
  const changes = input.changes ? maskedObject({ before: input.changes.before, after: input.changes.after }) : null;
  return {
    at: at.toISOString(),
    tenantId: input.tenantId,
    actor: { ...actor, label: actorLabel(actor).slice(0, 100) },
    action: input.action,
    target: input.target ? { type: fit(input.target.type, 60)!, id: fit(input.target.id, 200) } : null,
    requestId: fit(input.requestId, 128),
    ip: fit(input.ip, 64),
    outcome: fit(input.outcome ?? 'ok', 20),
    changes,
    details: maskedObject(input.details),
  };
}

/** A page of a trail, newest first. */
export interface AuditPage {
  readonly items: AuditTrailEntry[];
  /** Where the next page starts (entries before this seq); null on the last page. */
  readonly nextSeq: number | null;
}

/**
 * The audit trails: one hash chain per tenant and one for the platform. Appends to a chain are
 * queued on this node (one database connection per chain waits, however many requests finish at
 * once) and serialised across nodes by the chain's head row. Reads first wait for this node's queued
 * appends to the chain, so a client reads what it just did.
 */
export class AuditTrail implements AuditRecorder {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly controlPlane: MikroORM) {}

  private session(): SqlSession {
    return sqlSession(this.controlPlane.em.fork());
  }

  async record(input: AuditRecordInput): Promise<AuditTrailEntry> {
    const chain = chainOf(input.tenantId);
    return this.enqueue(chain, () => appendEntry(this.session(), chain, unchainedEntry(input, new Date())));
  }

  private enqueue<T>(chain: string, work: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(chain) ?? Promise.resolve()).then(work);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(chain, tail);
    void tail.then(() => {
      if (this.queues.get(chain) === tail) this.queues.delete(chain);
    });
    return run;
  }

  /** Resolves once the appends queued on this node to the tenant's chain (or the platform's) are done. */
  async settled(tenantId: string | null): Promise<void> {
    await this.queues.get(chainOf(tenantId));
  }

  /** Resolves once every queued append is done (before the control plane closes). */
  async drain(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  /** Newest first, after the cursor's seq. */
  async page(tenantId: string | null, filters: AuditFilters, before: number | undefined, limit: number): Promise<AuditPage> {
    await this.settled(tenantId);
    const rows = await pageOfEntries(this.session(), chainOf(tenantId), filters, before, limit + 1);
    const items = rows.slice(0, limit);
    return { items, nextSeq: rows.length > limit ? items[items.length - 1]!.seq : null };
  }

  /** Every matching entry, oldest first, read in batches as the consumer takes them. */
  async *entries(tenantId: string | null, filters: AuditFilters = {}): AsyncGenerator<AuditTrailEntry> {
    await this.settled(tenantId);
    yield* scanEntries(this.session(), chainOf(tenantId), filters);
  }

  /**
   * Recomputes the chain: every entry's hash, its link to the one before, seq without gaps, and the
   * head. Entries appended meanwhile (on any node) are verified too.
   */
  async verify(tenantId: string | null): Promise<ChainVerification> {
    await this.settled(tenantId);
    const session = this.session();
    const chain = chainOf(tenantId);
    const verifier = new ChainVerifier(tenantId, await chainHead(session, chain));
    for await (const entry of scanEntries(session, chain)) if (!verifier.accept(entry)) break;
    return verifier.result();
  }

  /** The tenant ids of every chain (purged tenants' included); null stands for the platform's. */
  async chains(): Promise<Array<string | null>> {
    return (await allChains(this.session())).map((c) => (c === PLATFORM_CHAIN ? null : c));
  }
}
