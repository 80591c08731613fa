/**
 * V8's heap limit of an isolate, as a multiple of the memory it may hold. A Map, Set or dictionary
 * object grows by allocating a table twice the size of the old one in one piece, and V8 cannot refuse
 * that allocation with an error: when it does not fit, V8 aborts the whole host process ("Catastrophic
 * out-of-memory error"), with every other tenant's calls on it. With the isolate recycled once it
 * holds its limit, the largest such table is no bigger than the limit and its doubling still fits.
 */
export const V8_HEADROOM = 4;
/** Share of its limit at which an isolate is recycled ("near its limit"). */
export const NEAR_LIMIT = 0.85;
/**
 * CPU an isolate may use between two measurements of its heap, ms. Filling memory costs CPU, so this
 * bounds what it can add unseen; a cheap call (~30 µs) is measured about once per 300 calls.
 */
export const CHECK_EVERY_CPU_MS = 10;

/** What a heap check needs of an isolate. */
export interface HeapTarget {
  readonly cpuMs: number;
  /** Holds the isolate's next tasks (entry calls, answers to its requests) until `resume`. */
  pause(): void;
  resume(): void;
  /** Heap in use plus external memory (array buffers), bytes; measured between the isolate's tasks. */
  heapUsedBytes(): Promise<number>;
  /** A full garbage collection in the isolate. */
  collect(): Promise<void>;
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

/**
 * The memory limit of one isolate, checked between its tasks after every CPU_MS of work. A reading
 * near the limit is taken again after a full collection, so garbage not yet collected never recycles
 * an isolate; only memory the module keeps does.
 */
export class HeapCheck {
  /** The last measurement, bytes, and when it was taken (Date.now()). */
  bytes = 0;
  measuredAt = 0;
  private checkedAtCpu = 0;
  private running: Promise<string | undefined> | undefined;

  constructor(
    private readonly target: HeapTarget,
    readonly limitBytes: number,
  ) {}

  /** True when the isolate used CHECK_EVERY_CPU_MS of CPU since its heap was last measured. */
  due(): boolean {
    return this.target.cpuMs - this.checkedAtCpu >= CHECK_EVERY_CPU_MS;
  }

  /** Measures the heap; resolves to why the isolate must be recycled, or undefined when it may go on. */
  check(): Promise<string | undefined> {
    this.running ??= this.measure().finally(() => (this.running = undefined));
    return this.running;
  }

  private async measure(): Promise<string | undefined> {
    const near = this.limitBytes * NEAR_LIMIT;
    // Tasks already queued behind the measurement only note themselves and wait, so it runs next.
    this.target.pause();
    let bytes: number;
    try {
      bytes = await this.target.heapUsedBytes();
      if (bytes >= near) {
        await this.target.collect();
        bytes = await this.target.heapUsedBytes();
      }
    } catch (err) {
      this.target.resume();
      throw err;
    }
    this.bytes = bytes;
    this.measuredAt = Date.now();
    this.checkedAtCpu = this.target.cpuMs;
    if (bytes >= near) return `holds ${mb(bytes)} MB, near its limit of ${mb(this.limitBytes)} MB`;
    this.target.resume();
    return undefined;
  }
}
