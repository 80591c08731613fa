import type { TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import { zonedCron } from '../definition/cron-schedule.js';
import type { WorkflowService } from '../workflow-service.js';
import type { ScheduleIndex } from './schedule-index.js';

/**
 * Starts scheduled workflows at their due times. Every node ticks; for each schedule whose latest due
 * time has not been seen, the node starts a run keyed by that due time: the run table's unique
 * trigger key lets exactly one node's run in, whichever node is first, so a due time runs once in the
 * cluster. A due time missed while every node was down runs once when one comes back (the latest
 * only, not each missed one).
 */
export class ScheduleTrigger {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly deps: { tenants: TenantsApi; service: WorkflowService; index: ScheduleIndex; tickMs: number; now: () => number; log: Logger },
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.deps.tickMs);
    this.timer.unref();
    void this.tick();
  }

  /** One look at every schedule; resolves when the runs due are recorded. */
  tick(): Promise<void> {
    this.ticking ??= this.look().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  private async look(): Promise<void> {
    const now = this.deps.now();
    let rows;
    try {
      rows = await this.deps.index.all();
    } catch (err) {
      this.deps.log.warn({ err }, 'workflow schedules could not be read; the next tick tries again');
      return;
    }
    for (const row of rows) {
      try {
        const due = zonedCron(row.cron, row.timeZone).latestAtOrBefore(new Date(now))?.getTime();
        if (due === undefined || (row.lastDueAt !== null && due <= row.lastDueAt)) continue;
        const tenant = await this.deps.tenants.tenants.find(row.tenantId);
        if (!tenant) {
          await this.deps.index.forgetTenant(row.tenantId);
          continue;
        }
        if (tenant.status !== 'trial' && tenant.status !== 'active') continue;
        const workflow = await this.deps.service.get(tenant, row.workflowId).catch(() => undefined);
        if (workflow?.enabled && workflow.triggerType === 'schedule') {
          const dueAt = new Date(due).toISOString();
          const started = await this.deps.service.start(tenant, workflow, 'schedule', `schedule:${dueAt}`, { type: 'schedule', dueAt, cron: row.cron, timeZone: row.timeZone });
          if (started.created) this.deps.log.info({ tenantId: tenant.id, workflowId: workflow.id, runId: started.run.id, dueAt }, 'scheduled workflow started');
        }
        await this.deps.index.advance(row, due);
      } catch (err) {
        this.deps.log.warn({ err, tenantId: row.tenantId, workflowId: row.workflowId }, 'scheduled workflow could not start; the next tick tries again');
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }
}
