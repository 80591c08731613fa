/** Task starts the log keeps between two reads (the watchdog reads every 10 ms; a task takes 20 µs or more). */
export const TASK_SLOTS = 64;
const COUNT = 0;
const PAUSE = 1;
const RING = 2;

/**
 * Memory shared with one isolate and read without waiting for it (a busy isolate holds its lock for
 * as long as its task runs). The isolate notes the call tag of every task it starts: an entry call,
 * or the continuation of the call whose host request was answered. So the watchdog charges CPU to the
 * call that used it, not to every call in flight. The host raises the pause flag to hold the
 * isolate's next tasks while it measures the heap; the bootstrap queues them until `resume`.
 *
 * Layout (Int32): [tasks started, pause flag, tags of the last TASK_SLOTS tasks].
 */
export class TaskLog {
  readonly buffer = new SharedArrayBuffer(4 * (RING + TASK_SLOTS));
  private readonly view = new Int32Array(this.buffer);
  private seen = 0;

  /** Tags of the tasks started since the last read, oldest first (the newest TASK_SLOTS at most). */
  started(): number[] {
    const count = Atomics.load(this.view, COUNT);
    const fresh = (count - this.seen) | 0;
    const out: number[] = [];
    // Task numbers wrap at 2^32 like the isolate's, and TASK_SLOTS divides 2^32: slots stay aligned.
    for (let k = Math.max(0, fresh - TASK_SLOTS); k < fresh; k++) out.push(this.view[RING + ((((this.seen + k) | 0) >>> 0) % TASK_SLOTS)]!);
    this.seen = count;
    return out;
  }

  get paused(): boolean {
    return Atomics.load(this.view, PAUSE) !== 0;
  }

  set paused(value: boolean) {
    Atomics.store(this.view, PAUSE, value ? 1 : 0);
  }
}
