import type { SandboxOptions } from '../options.js';
import type { IsolateConfig } from '../protocol.js';
import { SandboxInstance, type InstanceHost } from './sandbox-instance.js';

/**
 * The isolates of one host, least recently used first: created on first call from the configuration
 * the kernel sent, disposed when idle too long, when the host holds too many, or when their heaps
 * together exceed the host's memory budget; recycled when one holds nearly its own limit.
 */
export class IsolatePool {
  private readonly instances = new Map<string, SandboxInstance>();
  private readonly configs = new Map<string, IsolateConfig>();
  private readonly sweeper: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly options: SandboxOptions,
    private readonly host: InstanceHost,
    /** Runs after each sweep (the host's memory guard, which the watchdog runs only while isolates work). */
    private readonly afterSweep: () => void = () => undefined,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), Math.min(1000, options.isolateIdleMs));
    this.sweeper.unref();
  }

  get size(): number {
    return this.instances.size;
  }

  live(): Iterable<SandboxInstance> {
    return this.instances.values();
  }

  configure(key: string, config: IsolateConfig): void {
    const before = this.configs.get(key);
    this.configs.set(key, config);
    if (before && JSON.stringify(before) !== JSON.stringify(config)) this.drop(key);
  }

  /** The live isolate for `key`, created when needed; undefined when the kernel never configured it. */
  get(key: string): SandboxInstance | undefined {
    const existing = this.instances.get(key);
    if (existing && !existing.disposed) {
      this.instances.delete(key);
      this.instances.set(key, existing);
      existing.lastUsed = Date.now();
      return existing;
    }
    const config = this.configs.get(key);
    if (!config) return undefined;
    const created = new SandboxInstance(key, config, this.host);
    this.instances.set(key, created);
    this.evictOverflow();
    return created;
  }

  /** Called by an instance when it is disposed, whatever the reason. */
  forget(instance: SandboxInstance): void {
    if (this.instances.get(instance.key) === instance) this.instances.delete(instance.key);
  }

  drop(key: string): void {
    const instance = this.instances.get(key);
    if (!instance) return;
    this.instances.delete(key);
    instance.retire();
  }

  evict(key: string): void {
    this.configs.delete(key);
    this.drop(key);
  }

  private evictOverflow(): void {
    for (const [key, instance] of this.instances) {
      if (this.instances.size <= this.options.maxIsolatesPerHost) return;
      if (instance.calls.size === 0) this.drop(key);
    }
  }

  private async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const cutoff = Date.now() - this.options.isolateIdleMs;
      for (const [key, instance] of this.instances) if (instance.calls.size === 0 && instance.lastUsed < cutoff) this.drop(key);
      // A snapshot: calls move their isolate to the end of the Map while this awaits, and iterating
      // the live Map then visits it again (heaps counted twice, idle isolates dropped under load).
      for (const instance of [...this.instances.values()]) {
        // Heaps are measured again only after the isolate ran: each measurement is a task on the
        // isolate's thread, which for hundreds of idle isolates cost ~2% of a core every second.
        // A measurement recycles an isolate that keeps nearly its limit (heap-check.ts).
        if (instance.heap.measuredAt === 0 || instance.lastUsed >= instance.heap.measuredAt) await instance.checkHeap();
      }
      let total = 0;
      for (const instance of this.instances.values()) total += instance.heap.bytes;
      const budget = this.options.hostMemoryBudgetMb * 1024 * 1024;
      for (const [key, instance] of [...this.instances]) {
        if (total <= budget) break;
        if (instance.calls.size > 0 || this.instances.get(key) !== instance) continue;
        total -= instance.heap.bytes;
        this.drop(key);
      }
      this.afterSweep();
    } finally {
      this.sweeping = false;
    }
  }

  async heapBytes(): Promise<number> {
    let total = 0;
    for (const instance of [...this.instances.values()]) total += await instance.heapBytes().catch(() => 0);
    return total;
  }

  close(): void {
    clearInterval(this.sweeper);
    for (const instance of this.instances.values()) instance.dispose();
    this.instances.clear();
  }
}
