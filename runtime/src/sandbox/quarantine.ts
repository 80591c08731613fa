import { isolateKey } from './protocol.js';

/** A (tenant, module version) suspended after it ended its sandbox host. */
export interface QuarantineEntry {
  readonly tenantId: string;
  readonly moduleKey: string;
  /** Date.now() when calls are let through again. */
  readonly until: number;
  readonly reason: string;
}

/**
 * Modules that crashed their sandbox host, per tenant and version. Until the entry ends their calls
 * are refused before reaching a host, so a module that found a way to end the process cannot do it
 * again to the tenants sharing the host with it; they are served again at once instead of waiting out
 * a crash loop. Kept in the kernel's memory: a kernel restart also restarts every host.
 */
export class Quarantine {
  private readonly entries = new Map<string, QuarantineEntry>();

  add(tenantId: string, moduleKey: string, ms: number, reason: string): QuarantineEntry {
    const entry = { tenantId, moduleKey, until: Date.now() + ms, reason };
    this.entries.set(isolateKey(tenantId, moduleKey), entry);
    return entry;
  }

  /** The entry that suspends this isolate now, if any. */
  get(tenantId: string, moduleKey: string, now = Date.now()): QuarantineEntry | undefined {
    if (this.entries.size === 0) return undefined;
    const key = isolateKey(tenantId, moduleKey);
    const entry = this.entries.get(key);
    if (entry && entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
