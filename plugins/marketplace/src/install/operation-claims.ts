import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { NewPlatformEvent } from '@dogan/tenants';
import { installId, ModuleInstallSchema, type InstallOperation, type ModuleInstallRecord } from '../entities.js';
import { MarketplaceErrors } from '../errors.js';

/** An operation's hold on one tenant's module; `before` is the row as the operation found it. */
export interface Claim {
  readonly id: string;
  readonly operationId: string;
  readonly operation: InstallOperation;
  readonly before: ModuleInstallRecord | null;
  finished: boolean;
}

/** Records platform events on a control-plane transaction (the events plugin's outbox, when loaded). */
export type RecordEvents = (em: EntityManager, events: readonly NewPlatformEvent[]) => Promise<void>;

/** Longest a client is told to wait before retrying: most operations end well within it. */
const MAX_RETRY_AFTER_S = 5;

/** True while an operation holds the row (its lease has not ended). */
export function heldAt(row: ModuleInstallRecord, now: Date): boolean {
  return Boolean(row.operationId && row.leaseUntil && new Date(row.leaseUntil).getTime() > now.getTime());
}

/**
 * A row as it stands when no operation holds it. An install whose node died before its hook
 * committed never happened: its row reads as what was there before (an uninstalled module still in
 * retention, or nothing).
 */
export function settled(row: ModuleInstallRecord | null, now = new Date()): ModuleInstallRecord | null {
  if (!row || row.status !== 'installing' || heldAt(row, now)) return row;
  return row.uninstalledAt ? { ...row, status: 'uninstalled' } : null;
}

/** The status the catalog shows: `installing` only while an install really holds the row. */
export function visibleStatus(row: ModuleInstallRecord | undefined, now = new Date()): ModuleInstallRecord['status'] | undefined {
  return row ? settled(row, now)?.status : undefined;
}

/**
 * One install, upgrade, rollback, enable/disable, settings change or uninstall per tenant and module
 * at a time, across nodes: an operation claims the module's row with a conditional write (its id and
 * a lease) and every later write of the operation is conditional on still holding it. A node that
 * dies holds the row until its lease ends; then the next operation takes it over.
 */
export class OperationClaims {
  constructor(
    private readonly orm: MikroORM,
    /** Longer than any operation takes (its hook's deadline, twice, plus the downloads). */
    private readonly leaseMs: number,
    private readonly record: RecordEvents = async () => undefined,
  ) {}

  /** `check` refuses (throws) when the operation makes no sense on the row as it is. */
  async claim(tenantId: string, moduleId: string, operation: InstallOperation, check: (current: ModuleInstallRecord | null) => void): Promise<Claim> {
    const id = installId(tenantId, moduleId);
    for (let attempt = 0; attempt < 3; attempt++) {
      const em = this.orm.em.fork();
      const row = await em.findOne(ModuleInstallSchema, { id });
      const now = new Date();
      if (row && heldAt(row, now)) throw this.busy(moduleId, row, now);
      const before = settled(row, now);
      check(before);
      const claim: Claim = { id, operationId: randomUUID(), operation, before, finished: false };
      const hold = { operationId: claim.operationId, operation, leaseUntil: new Date(now.getTime() + this.leaseMs), updatedAt: now };
      if (!row) {
        try {
          await em.insert(ModuleInstallSchema, { id, tenantId, moduleId, version: '', grants: [], settings: {}, status: 'installing', installedAt: now, ...hold });
          return claim;
        } catch (err) {
          // Another node inserted first: read again, and find its claim.
          if ((err as Error).name === 'UniqueConstraintViolationException') continue;
          throw err;
        }
      }
      const status = operation === 'install' ? 'installing' : row.status;
      const taken = await em.nativeUpdate(ModuleInstallSchema, { id, status: row.status, operationId: row.operationId ?? null }, { ...hold, status });
      if (taken === 1) return claim;
    }
    throw MarketplaceErrors.MODULE_OPERATION_IN_PROGRESS.with({ operation: 'unknown', retryAfter: 1 }, moduleId, 'unknown', 1);
  }

  private busy(moduleId: string, row: ModuleInstallRecord, now: Date) {
    const left = Math.ceil((new Date(row.leaseUntil!).getTime() - now.getTime()) / 1000);
    const retryAfter = Math.max(1, Math.min(MAX_RETRY_AFTER_S, left));
    const operation = row.operation ?? 'unknown';
    return MarketplaceErrors.MODULE_OPERATION_IN_PROGRESS.with({ operation, retryAfter }, moduleId, operation, retryAfter);
  }

  /**
   * Writes the operation's outcome and lets the row go, with the events that report it in the same
   * transaction; refused (nothing written, nothing said) when the claim was lost (lease ended, taken over).
   */
  async finish(claim: Claim, next: ModuleInstallRecord, events: readonly NewPlatformEvent[] = []): Promise<void> {
    const { id: _id, operationId: _op, operation: _kind, leaseUntil: _lease, ...fields } = next;
    await this.finishWith(claim, events, (em) =>
      em.nativeUpdate(ModuleInstallSchema, { id: claim.id, operationId: claim.operationId }, { ...fields, operationId: null, operation: null, leaseUntil: null, updatedAt: new Date() }),
    );
  }

  /** The outcome is that the row goes (purge). */
  async finishByDelete(claim: Claim, events: readonly NewPlatformEvent[] = []): Promise<void> {
    await this.finishWith(claim, events, (em) => em.nativeDelete(ModuleInstallSchema, { id: claim.id, operationId: claim.operationId }));
  }

  private async finishWith(claim: Claim, events: readonly NewPlatformEvent[], write: (em: EntityManager) => Promise<number>): Promise<void> {
    await this.orm.em.fork().transactional(async (em) => {
      if ((await write(em)) !== 1) throw this.lost(claim);
      await this.record(em, events);
    });
    claim.finished = true;
  }

  /** The operation failed: the row is put back as it was found (a first install leaves none). */
  async release(claim: Claim): Promise<void> {
    if (claim.finished) return;
    const em = this.orm.em.fork();
    const where = { id: claim.id, operationId: claim.operationId };
    if (claim.before === null) await em.nativeDelete(ModuleInstallSchema, where);
    else await em.nativeUpdate(ModuleInstallSchema, where, { status: claim.before.status, operationId: null, operation: null, leaseUntil: null });
    claim.finished = true;
  }

  private lost(claim: Claim) {
    const moduleId = claim.id.slice(claim.id.indexOf(':') + 1);
    return MarketplaceErrors.MODULE_OPERATION_IN_PROGRESS.with({ operation: 'unknown', retryAfter: 1 }, moduleId, `another one took over this ${claim.operation}`, 1);
  }
}
