import type { SqlParam, Tenant, TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { LogEntry } from '@dogan/runtime/sandbox';

/** A stored line of a module's log, as its readers get it. */
export interface ModuleLogLine {
  readonly id: number;
  readonly version: string;
  readonly level: string;
  readonly message: string;
  readonly data: unknown;
  readonly at: string;
}

interface Buffered {
  moduleId: string;
  version: string;
  entry: LogEntry;
}

const FLUSH_MS = 250;
const MAX_BUFFERED_PER_TENANT = 5_000;

/**
 * Modules' log lines, buffered per tenant and written in batches to the tenant's `module_logs`, so a
 * chatty module costs one insert per flush, not one per line. The sandbox caps lines per call; this
 * caps what waits in memory.
 */
export class ModuleLog {
  private readonly buffers = new Map<string, Buffered[]>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly tenants: Pick<TenantsApi, 'tenants' | 'data'>,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  add(tenantId: string, moduleKey: string, entries: readonly LogEntry[]): void {
    const [moduleId, version = ''] = moduleKey.split('@');
    let buffer = this.buffers.get(tenantId);
    if (!buffer) this.buffers.set(tenantId, (buffer = []));
    for (const entry of entries) if (buffer.length < MAX_BUFFERED_PER_TENANT) buffer.push({ moduleId: moduleId!, version, entry });
  }

  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write()).catch((err: unknown) => this.log.warn({ err }, 'writing module logs failed'));
    return this.flushing;
  }

  private async write(): Promise<void> {
    const batches = [...this.buffers];
    this.buffers.clear();
    for (const [tenantId, lines] of batches) {
      let tenant: Tenant;
      try {
        tenant = await this.tenants.tenants.get(tenantId);
      } catch {
        continue;
      }
      const db = await this.tenants.data.of(tenant);
      for (let i = 0; i < lines.length; i += 100) {
        const chunk = lines.slice(i, i + 100);
        const values = chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
        const params = chunk.flatMap((l): SqlParam[] => [l.moduleId, l.version, l.entry.level, l.entry.message, l.entry.data, l.entry.at]);
        await db.run(`INSERT INTO module_logs (module_id, version, level, message, data, created_at) VALUES ${values}`, params);
      }
    }
  }

  /** The newest lines first; `before` pages back by id. */
  async read(tenant: Tenant, moduleId: string, options: { limit: number; before?: number }): Promise<ModuleLogLine[]> {
    await this.flush();
    const db = await this.tenants.data.of(tenant);
    const params: SqlParam[] = [moduleId];
    let where = 'module_id = ?';
    if (options.before !== undefined) {
      where += ' AND id < ?';
      params.push(options.before);
    }
    const rows = await db.query(`SELECT id, version, level, message, data, created_at FROM module_logs WHERE ${where} ORDER BY id DESC LIMIT ${Math.max(1, Math.min(1000, options.limit))}`, params);
    return rows.map((r) => ({
      id: Number(r.id),
      version: String(r.version),
      level: String(r.level),
      message: String(r.message),
      data: typeof r.data === 'string' ? (JSON.parse(r.data) as unknown) : null,
      at: String(r.created_at),
    }));
  }

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.flush();
  }
}
