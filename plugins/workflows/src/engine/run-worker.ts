import type { Tenant, TenantDueIndex, TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import { RunStore } from '../store/run-store.js';
import type { RunEngine } from './run-engine.js';

export interface RunWorkerOptions {
  readonly tenants: TenantsApi;
  readonly engine: RunEngine;
  readonly due: TenantDueIndex;
  readonly pollIntervalMs: number;
  /** Runs this node advances at once. */
  readonly concurrency: number;
  readonly log: Logger;
}

/** Tenants whose runs go on; a suspended tenant's runs wait (they resume when it is active again). */
const WORKING = new Set(['trial', 'active']);

/**
 * Each node's loop over due runs: the control plane's index names the tenants with runs due, each
 * run is claimed before a pass over it (nodes share the work, never advance one run twice at once),
 * and a run whose node died is due again when its claim lapses. `kick` looks now (a run was started,
 * an approval decided) instead of at the next tick.
 */
export class RunWorker {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<Promise<unknown>>();
  private readonly runningIds = new Set<string>();
  private passing: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly options: RunWorkerOptions) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.options.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  kick(): void {
    if (this.closed) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = this.pass()
      .catch((err: unknown) => this.options.log.warn({ err }, 'workflow pass failed; the next tick tries again'))
      .finally(() => {
        this.passing = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Something of the tenant may be due from `at` (a run started, woken or parked). */
  async markDue(tenant: Tenant, at: number): Promise<void> {
    await this.options.due.markDue(tenant.id, at);
  }

  private async pass(): Promise<void> {
    const now = Date.now();
    for (const entry of await this.options.due.due(now, 200)) {
      const tenant = await this.options.tenants.tenants.find(entry.tenantId);
      if (!tenant || !WORKING.has(tenant.status)) {
        if (!tenant) await this.options.due.forget(entry.tenantId);
        else await this.options.due.settle(entry, now + 60_000);
        continue;
      }
      const db = await this.options.tenants.data.of(tenant);
      for (const runId of await RunStore.due(db, now, 100)) {
        if (this.runningIds.has(runId)) continue;
        while (this.running.size >= this.options.concurrency) await Promise.race(this.running);
        if (this.closed) return;
        this.runningIds.add(runId);
        const run = this.options.engine
          .advance(tenant, runId)
          .catch((err: unknown) => this.options.log.error({ err, tenantId: tenant.id, runId }, 'workflow run pass failed'))
          .finally(() => {
            this.running.delete(run);
            this.runningIds.delete(runId);
            this.kick();
          });
        this.running.add(run);
      }
      await this.options.due.settle(entry, await RunStore.earliestDue(db));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.options.engine.stop();
    await this.passing;
    await Promise.allSettled([...this.running]);
  }
}
