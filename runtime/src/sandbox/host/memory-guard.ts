import type { SandboxInstance } from './sandbox-instance.js';

/** Share of the ceiling at which the guard starts recycling, and the share it recycles down to. */
const HIGH_WATER = 0.9;
const LOW_WATER = 0.75;
/** After recycling, the time the host gets to hand the memory back before the guard judges again, ms. */
const SETTLE_MS = 250;
/**
 * How long the guard waits for fresh measurements, ms. One comes after the isolate's current task,
 * which its CPU limit bounds; the isolate that took the host over its ceiling is usually the one busy
 * filling memory, and judged on a size from before that it would be spared for its neighbours.
 */
const MEASURE_WAIT_MS = 2000;
/** Isolates smaller than this are not worth recycling for the host's sake, bytes. */
const WORTH_RECYCLING = 4 * 1024 * 1024;

const mb = (bytes: number) => Math.round(bytes / 1048576);

/**
 * The host's resident memory ceiling. Each isolate keeps to its own limit, but many of them together,
 * or memory V8 holds beyond what its heaps report, can still take the process to where the system
 * ends it with every tenant on it. Above HIGH_WATER of the ceiling the isolates that ran since they
 * were last measured are measured again, then the largest are recycled first until what they held
 * covers the excess down to LOW_WATER.
 */
export class HostMemoryGuard {
  private settleUntil = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly ceilingBytes: number,
    private readonly isolates: () => Iterable<SandboxInstance>,
  ) {}

  /** Cheap enough for every watchdog tick: one read of the resident size. */
  check(): void {
    if (this.running || Date.now() < this.settleUntil) return;
    const rss = process.memoryUsage.rss();
    if (rss < this.ceilingBytes * HIGH_WATER) return;
    this.running = this.relieve().finally(() => {
      this.running = undefined;
      this.settleUntil = Date.now() + SETTLE_MS;
    });
  }

  private async relieve(): Promise<void> {
    const stale = [...this.isolates()].filter((i) => !i.disposed && (i.calls.size > 0 || i.lastUsed >= i.heap.measuredAt));
    // A measurement also recycles an isolate over its own limit, which may be relief enough.
    await Promise.race([Promise.all(stale.map((i) => i.checkHeap())), new Promise((r) => setTimeout(r, MEASURE_WAIT_MS))]);
    const rss = process.memoryUsage.rss();
    if (rss < this.ceilingBytes * HIGH_WATER) return;
    let excess = rss - this.ceilingBytes * LOW_WATER;
    const live = [...this.isolates()].filter((i) => !i.disposed).sort((a, b) => b.heap.bytes - a.heap.bytes);
    for (const instance of live) {
      if (excess <= 0 || instance.heap.bytes < WORTH_RECYCLING) break;
      excess -= instance.heap.bytes;
      const why = `recycled as the largest isolate (${mb(instance.heap.bytes)} MB) of a sandbox host at ${mb(rss)} MB of its ${mb(this.ceilingBytes)} MB memory ceiling`;
      instance.terminate(instance.problem('SANDBOX_MEMORY_LIMIT', why));
    }
  }
}
