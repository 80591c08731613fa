import { randomUUID } from 'node:crypto';
import type { Tenant, TenantData, TenantDueIndex, TenantService } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { SettingsService } from '../settings/settings-service.js';
import { MessageStore, type MessageRecord } from '../store/message-store.js';
import type { SettingsRecord } from '../store/settings-store.js';
import type { Deliverer } from './deliver.js';

export interface SendWorkerOptions {
  readonly tenants: TenantService;
  readonly data: TenantData;
  readonly due: TenantDueIndex;
  readonly settings: SettingsService;
  readonly deliverer: Deliverer;
  readonly pollIntervalMs: number;
  /** Messages this node sends at once. */
  readonly concurrency: number;
  /** Send attempts one tenant may start per minute, across the cluster. */
  readonly ratePerMinute: number;
  /** How long a claim on a message holds; a node that died mid-send leaves it to another after this. */
  readonly claimMs: number;
  readonly log: Logger;
}

const RATE_WINDOW_MS = 60_000;
/** How long a tenant whose messages could not be read waits before the next try. */
const TENANT_ERROR_BACKOFF_MS = 60_000;

/**
 * Each node's loop over due email. The control plane's list names the tenants with mail due; for
 * each, the tenant's attempts of the last minute decide how many more it may start (its rate, the
 * same on every node because it is counted in its database), and that many due messages are claimed
 * with a conditional update, so two nodes never send one message at once. `kick` looks now (a message
 * was just queued) instead of at the next tick.
 */
export class SendWorker {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Messages in flight here, by tenant: their completions look again, so the due list is left alone meanwhile. */
  private readonly busyTenants = new Map<string, number>();

  constructor(private readonly o: SendWorkerOptions) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    if (this.closed) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick().finally(() => (this.ticking = undefined));
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.ticking;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private free(): number {
    return this.o.concurrency - this.inFlight.size;
  }

  private async tick(): Promise<void> {
    try {
      do {
        this.again = false;
        const now = Date.now();
        for (const seen of await this.o.due.due(now, 100)) {
          if (this.free() <= 0 || this.closed) break;
          await this.serveTenant(seen, now).catch(async (err: unknown) => {
            this.o.log.error({ err, tenantId: seen.tenantId }, 'the email queue of a tenant could not be read; trying again later');
            await this.o.due.settle(seen, now + TENANT_ERROR_BACKOFF_MS);
          });
        }
      } while (this.again && this.free() > 0 && !this.closed);
    } catch (err) {
      this.o.log.error({ err }, 'email queue tick failed');
    }
  }

  private async serveTenant(seen: { tenantId: string; version: number }, now: number): Promise<void> {
    const tenant = await this.o.tenants.find(seen.tenantId);
    // Notices reach suspended and expired tenants too; only a tenant that is gone has nothing to send.
    if (!tenant || tenant.status === 'provisioning') return this.o.due.forget(seen.tenantId);
    const db = await this.o.data.of(tenant);
    const window = await MessageStore.attemptsSince(db, now - RATE_WINDOW_MS);
    const allowance = this.o.ratePerMinute - window.count;
    if (allowance <= 0) {
      // Over its rate: due again when the oldest attempt of the window leaves it.
      if (!this.busyTenants.has(tenant.id)) await this.o.due.settle(seen, (window.earliest ?? now) + RATE_WINDOW_MS);
      return;
    }
    const claimed = await MessageStore.claimDue(db, Math.min(this.free(), allowance), randomUUID(), now + this.o.claimMs, now);
    if (claimed.length === 0) {
      if (!this.busyTenants.has(tenant.id)) await this.o.due.settle(seen, await MessageStore.nextDue(db));
      return;
    }
    const settings = await this.o.settings.record(tenant);
    for (const message of claimed) this.launch(tenant, message, settings);
  }

  private launch(tenant: Tenant, message: MessageRecord, settings: SettingsRecord | null): void {
    this.busyTenants.set(tenant.id, (this.busyTenants.get(tenant.id) ?? 0) + 1);
    const run = this.o.deliverer
      .attempt(tenant, message, message.claimToken!, settings)
      .catch((err: unknown) => this.o.log.error({ err, tenantId: tenant.id, emailId: message.id }, 'an email attempt failed to run; its claim runs out and it is tried again'))
      .finally(() => {
        this.inFlight.delete(run);
        const left = (this.busyTenants.get(tenant.id) ?? 1) - 1;
        if (left > 0) this.busyTenants.set(tenant.id, left);
        else this.busyTenants.delete(tenant.id);
        this.kick();
      });
    this.inFlight.add(run);
  }
}
