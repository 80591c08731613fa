import type { Tenant, TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import { validateFilters } from '../client/index.js';
import type { ConnectionService } from '../connections/connection-service.js';
import { ErpnextErrors } from '../errors.js';
import type { SyncDueIndex } from '../store/sync-due-index.js';
import { SyncStore, type SyncRecord, type SyncRunRecord } from '../store/sync-store.js';
import { DOCTYPE_PATTERN } from '../webhooks/event-type.js';
import type { SyncRunner } from './sync-runner.js';

export interface SyncInput {
  readonly connection?: string;
  readonly doctype: string;
  readonly intervalMinutes?: number;
  readonly enabled?: boolean;
  readonly fields?: readonly string[];
  readonly filters?: unknown;
}

/** A tenant's syncs: which doctypes to pull, how often, and the report of every run. */
export class SyncService {
  constructor(
    private readonly tenants: TenantsApi,
    private readonly connections: ConnectionService,
    private readonly runner: SyncRunner,
    private readonly due: SyncDueIndex,
    private readonly log: Logger,
  ) {}

  private db(tenant: Tenant) {
    return this.tenants.data.of(tenant);
  }

  async configure(tenant: Tenant, input: SyncInput): Promise<SyncRecord> {
    if (!DOCTYPE_PATTERN.test(input.doctype)) throw ErpnextErrors.ERPNEXT_DOCTYPE_INVALID(JSON.stringify(input.doctype.slice(0, 150)));
    const filters = input.filters === undefined ? [] : validateFilters(input.filters);
    if (!Array.isArray(filters)) throw ErpnextErrors.ERPNEXT_SETTING_INVALID.with({ field: 'filters' }, 'filters of a sync are given in list form: [["status", "=", "Open"]]');
    const connection = await this.connections.record(tenant, input.connection);
    const db = await this.db(tenant);
    await SyncStore.upsert(
      db,
      { connection: connection.name, doctype: input.doctype, intervalMinutes: input.intervalMinutes ?? 15, enabled: input.enabled ?? true, fields: [...(input.fields ?? [])], filters: filters as unknown[] },
      Date.now(),
    );
    await this.reindex(tenant);
    return (await SyncStore.get(db, connection.name, input.doctype))!;
  }

  async list(tenant: Tenant): Promise<SyncRecord[]> {
    return SyncStore.list(await this.db(tenant));
  }

  async get(tenant: Tenant, doctype: string, connection?: string): Promise<{ sync: SyncRecord; runs: SyncRunRecord[] }> {
    const name = (await this.connections.record(tenant, connection)).name;
    const db = await this.db(tenant);
    const sync = await SyncStore.get(db, name, doctype);
    if (!sync) throw ErpnextErrors.ERPNEXT_SYNC_NOT_FOUND(doctype);
    return { sync, runs: await SyncStore.runs(db, name, doctype, 20) };
  }

  async remove(tenant: Tenant, doctype: string, connection?: string): Promise<void> {
    const name = (await this.connections.record(tenant, connection)).name;
    if (!(await SyncStore.remove(await this.db(tenant), name, doctype))) throw ErpnextErrors.ERPNEXT_SYNC_NOT_FOUND(doctype);
    await this.reindex(tenant);
  }

  /** Starts a run now; 409 while one runs. The run goes on in the background: its progress is at the run's route. */
  async runNow(tenant: Tenant, doctype: string, connection?: string): Promise<{ run: SyncRunRecord; done: Promise<void> }> {
    const { sync } = await this.get(tenant, doctype, connection);
    const started = await this.runner.start(tenant, sync, 'manual');
    if (!started) throw ErpnextErrors.ERPNEXT_SYNC_RUNNING(doctype);
    return { run: (await SyncStore.run(await this.db(tenant), started.runId))!, done: started.done.then(() => this.reindex(tenant)) };
  }

  async run(tenant: Tenant, runId: string): Promise<SyncRunRecord> {
    const run = await SyncStore.run(await this.db(tenant), runId);
    if (!run) throw ErpnextErrors.ERPNEXT_SYNC_NOT_FOUND(runId);
    return run;
  }

  /** The cluster job: every due sync of every tenant listed as due, one run each; tenants are then re-listed with their next due time. */
  async runDue(now = Date.now()): Promise<number> {
    let started = 0;
    for (const tenantId of await this.due.due(now, 500)) {
      const tenant = await this.tenants.tenants.find(tenantId);
      if (!tenant || !['trial', 'active'].includes(tenant.status)) {
        await this.due.set(tenantId, null);
        continue;
      }
      try {
        const runs: Array<Promise<void>> = [];
        for (const sync of await SyncStore.list(await this.db(tenant))) {
          if (!sync.enabled || sync.nextDueAt > now) continue;
          const run = await this.runner.start(tenant, sync, 'schedule');
          if (!run) continue;
          runs.push(run.done);
          started++;
        }
        await Promise.all(runs);
        await this.reindex(tenant);
      } catch (err) {
        this.log.warn({ err, tenantId }, 'erpnext syncs of a tenant could not run; they stay due');
      }
    }
    return started;
  }

  /** Writes the tenant's earliest due sync into the control plane's index. */
  private async reindex(tenant: Tenant): Promise<void> {
    await this.due.set(tenant.id, await SyncStore.earliestDue(await this.db(tenant)));
  }
}
