import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Tenant, TenantData, TenantService } from '@dogan/tenants';
import { DeliveryStore, type DeliveryRecord } from '../store/delivery-store.js';
import type { DueIndex } from '../store/due-index.js';
import { claimMs, type DeliveryRunner } from './delivery-runner.js';

export interface DeliveryWorkerOptions {
  readonly tenants: TenantService;
  readonly data: TenantData;
  readonly due: DueIndex;
  readonly runner: DeliveryRunner;
  readonly pollIntervalMs: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly log: Logger;
}

/** How long a tenant whose deliveries could not be read waits before the next try. */
const TENANT_ERROR_BACKOFF_MS = 60_000;

/**
 * Sends due deliveries from every node. It reads the due tenants from the control-plane list and
 * claims each delivery with a conditional update before sending it, so two nodes never send the same
 * delivery at once; at most `concurrency` deliveries are in flight per node.
 */
export class DeliveryWorker {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  /** Deliveries in flight here, by tenant: their completions look again, so the due list is left alone meanwhile. */
  private readonly busyTenants = new Map<string, number>();

  constructor(private readonly o: DeliveryWorkerOptions) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Looks for due deliveries now (something was just recorded or finished). */
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

  private async tick(): Promise<void> {
    try {
      do {
        this.again = false;
        const now = Date.now();
        for (const seen of await this.o.due.due(now, 100)) {
          if (this.free() <= 0 || this.closed) break;
          await this.serveTenant(seen, now).catch(async (err: unknown) => {
            this.o.log.error({ err, tenantId: seen.tenantId }, 'webhook deliveries of a tenant could not be read; trying again later');
            await this.o.due.settle(seen, now + TENANT_ERROR_BACKOFF_MS);
          });
        }
      } while (this.again && this.free() > 0 && !this.closed);
    } catch (err) {
      this.o.log.error({ err }, 'webhook delivery worker tick failed');
    }
  }

  private free(): number {
    return this.o.concurrency - this.inFlight.size;
  }

  private async serveTenant(seen: { tenantId: string; version: number }, now: number): Promise<void> {
    const tenant = await this.o.tenants.find(seen.tenantId);
    if (!tenant) return this.o.due.forget(seen.tenantId);
    const db = await this.o.data.of(tenant);
    const claimed = await DeliveryStore.claimDue(db, this.free(), randomUUID(), now + claimMs(this.o.timeoutMs), now);
    if (claimed.length === 0) {
      if (!this.busyTenants.has(tenant.id)) await this.o.due.settle(seen, await DeliveryStore.nextDue(db));
      return;
    }
    for (const delivery of claimed) this.launch(tenant, delivery);
  }

  private launch(tenant: Tenant, delivery: DeliveryRecord): void {
    this.busyTenants.set(tenant.id, (this.busyTenants.get(tenant.id) ?? 0) + 1);
    const run = this.o.runner
      .attempt(tenant, delivery, 'automatic')
      .catch((err: unknown) => this.o.log.error({ err, tenantId: tenant.id, deliveryId: delivery.id }, 'webhook delivery attempt failed to run; its claim runs out and it is retried'))
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
