import type { Tenant, TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { TaskRunner } from './runner/task-runner.js';
import type { TaskDueIndex } from './task-due-index.js';
import { TaskStore } from './task-store.js';

export interface TaskWorkerOptions {
  readonly tenants: TenantsApi;
  readonly runner: TaskRunner;
  readonly due: TaskDueIndex;
  readonly pollIntervalMs: number;
  /** Tasks this node runs at once. */
  readonly concurrency: number;
  readonly log: Logger;
}

/**
 * Each node's loop over due agent tasks: the control plane's index names the tenants with work, the
 * tenant's tasks are claimed one by one (a claim per task, so nodes share the work and never run one
 * task twice at once), and a run that dies with its node is taken up again when its claim expires.
 * `kick` runs a pass now (a task was created, an approval decided) instead of at the next tick.
 */
export class TaskWorker {
  private timer: NodeJS.Timeout | undefined;
  private running = new Set<Promise<unknown>>();
  /** Tasks this node runs now: a pass never starts a second run of one (its claim is renewed meanwhile). */
  private readonly runningIds = new Set<string>();
  private passing: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(private readonly options: TaskWorkerOptions) {}

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
      .catch((err: unknown) => this.options.log.warn({ err }, 'agent task pass failed; the next tick tries again'))
      .finally(() => {
        this.passing = undefined;
        if (this.again && !this.closed) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Indexes a tenant's earliest due task (after a change made outside a run). */
  async reindex(tenant: Tenant): Promise<void> {
    await this.options.due.set(tenant.id, await TaskStore.earliestDue(await this.options.tenants.data.of(tenant)));
  }

  private async pass(): Promise<void> {
    const now = Date.now();
    for (const tenantId of await this.options.due.due(now, 200)) {
      const tenant = await this.options.tenants.tenants.find(tenantId);
      if (!tenant || !['trial', 'active'].includes(tenant.status)) {
        await this.options.due.set(tenantId, null);
        continue;
      }
      const db = await this.options.tenants.data.of(tenant);
      for (const taskId of await TaskStore.due(db, now, 100)) {
        if (this.runningIds.has(taskId)) continue;
        while (this.running.size >= this.options.concurrency) await Promise.race(this.running);
        this.runningIds.add(taskId);
        const run = this.options.runner
          .runOnce(tenant, taskId)
          .catch((err: unknown) => this.options.log.error({ err, tenantId, taskId }, 'agent task run failed'))
          .finally(() => {
            this.running.delete(run);
            this.runningIds.delete(taskId);
            void this.reindex(tenant).catch(() => undefined);
          });
        this.running.add(run);
      }
      await this.reindex(tenant);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.passing;
    await Promise.allSettled([...this.running]);
  }
}
