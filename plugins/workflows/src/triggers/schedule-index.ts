import type { SqlSession, Tenant } from '@dogan/tenants';
import { zonedCron } from '../definition/cron-schedule.js';
import type { WorkflowRecord } from '../store/workflow-store.js';

/** The zone a schedule is read in when it names none: the tenant's, else Riyadh's. */
export function scheduleZone(tenant: Tenant, timeZone: string | undefined): string {
  return timeZone ?? (tenant.timezone || 'Asia/Riyadh');
}

export interface ScheduleRow {
  readonly tenantId: string;
  readonly workflowId: string;
  readonly cron: string;
  readonly timeZone: string;
  readonly lastDueAt: number | null;
}

/**
 * The control plane's list of enabled scheduled workflows across tenants, kept in step with their
 * definitions: every node's ticker reads it, never every tenant database. A schedule enters the list
 * with its latest past due time as already seen, so a workflow made at 08:59 first runs at 09:00,
 * not for a due time before it existed.
 */
export class ScheduleIndex {
  constructor(
    private readonly controlPlane: SqlSession,
    private readonly now: () => number,
  ) {}

  async sync(tenant: Tenant, workflow: WorkflowRecord): Promise<void> {
    const trigger = workflow.definition.trigger;
    if (!workflow.enabled || trigger.type !== 'schedule') {
      await this.remove(tenant, workflow.id);
      return;
    }
    const zone = scheduleZone(tenant, trigger.timeZone);
    const seen = zonedCron(trigger.cron, zone).latestAtOrBefore(new Date(this.now()))?.getTime() ?? null;
    const [row] = await this.controlPlane.query<{ cron: string; time_zone: string }>('SELECT cron, time_zone FROM workflow_schedules WHERE tenant_id = ? AND workflow_id = ?', [tenant.id, workflow.id]);
    if (row && row.cron === trigger.cron && row.time_zone === zone) return;
    await this.controlPlane.run(
      `INSERT INTO workflow_schedules (tenant_id, workflow_id, cron, time_zone, last_due_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tenant_id, workflow_id) DO UPDATE SET cron = excluded.cron, time_zone = excluded.time_zone, last_due_at = excluded.last_due_at`,
      [tenant.id, workflow.id, trigger.cron, zone, seen],
    );
  }

  async remove(tenant: Tenant, workflowId: string): Promise<void> {
    await this.controlPlane.run('DELETE FROM workflow_schedules WHERE tenant_id = ? AND workflow_id = ?', [tenant.id, workflowId]);
  }

  async all(): Promise<ScheduleRow[]> {
    const rows = await this.controlPlane.query<{ tenant_id: string; workflow_id: string; cron: string; time_zone: string; last_due_at: number | string | null }>(
      'SELECT tenant_id, workflow_id, cron, time_zone, last_due_at FROM workflow_schedules',
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, workflowId: r.workflow_id, cron: r.cron, timeZone: r.time_zone, lastDueAt: r.last_due_at === null ? null : Number(r.last_due_at) }));
  }

  /** Moves the schedule past `dueAt` (only forward: a slower node cannot move it back). */
  async advance(row: ScheduleRow, dueAt: number): Promise<void> {
    await this.controlPlane.run('UPDATE workflow_schedules SET last_due_at = ? WHERE tenant_id = ? AND workflow_id = ? AND (last_due_at IS NULL OR last_due_at < ?)', [
      dueAt,
      row.tenantId,
      row.workflowId,
      dueAt,
    ]);
  }

  async forgetTenant(tenantId: string): Promise<void> {
    await this.controlPlane.run('DELETE FROM workflow_schedules WHERE tenant_id = ?', [tenantId]);
  }
}
