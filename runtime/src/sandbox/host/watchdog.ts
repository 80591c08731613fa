import type { SandboxLimits } from '../options.js';
import type { SandboxInstance } from './sandbox-instance.js';

/** Ticks an isolate stays watched after its last call, to catch work that outlives its calls. */
const QUIET_TICKS_BEFORE_UNWATCH = 50;
/**
 * Share of a core an isolate may spend on work of no call in flight (promise chains left running
 * after an answer) before that CPU adds up against it: a bucket that leaks this much per ms of wall time.
 */
const STRAY_ALLOWANCE = 0.1;

/**
 * The one CPU and deadline watchdog of a host (a timer per call was measured to halve throughput).
 * Every tick it reads `isolate.cpuTime` of the isolates that ran recently and charges the CPU used
 * since the last tick to the calls whose tasks used it: the isolate notes the call of every task it
 * starts in its task log, so a call waiting on storage, HTTP or sleep beside busy neighbours is not
 * charged their CPU, and a call that never yields is charged all of it, however many calls wait
 * beside it. A call over its CPU limit or deadline ends its isolate, whose state is then
 * untrustworthy; so does CPU used by no call in flight beyond a small allowance. The tick also asks
 * the heap check of a busy isolate to measure it once it has worked enough since the last measurement.
 */
export class Watchdog {
  private readonly watched = new Set<SandboxInstance>();
  private timer: NodeJS.Timeout | undefined;
  private lastTick = performance.now();
  private lastProcessCpu = process.cpuUsage();

  constructor(
    private readonly intervalMs: number,
    private readonly limits: SandboxLimits,
    /** Called after every tick with the isolates watched (the host's memory guard). */
    private readonly afterTick: () => void = () => undefined,
  ) {}

  watch(instance: SandboxInstance): void {
    instance.quietTicks = 0;
    if (this.watched.has(instance)) return;
    instance.lastCpuMs = instance.cpuMs;
    this.watched.add(instance);
    if (!this.timer) {
      this.lastTick = performance.now();
      this.lastProcessCpu = process.cpuUsage();
      this.timer = setInterval(() => this.tick(), this.intervalMs);
    }
  }

  tick(): void {
    const now = performance.now();
    const wall = now - this.lastTick;
    this.lastTick = now;
    const used = process.cpuUsage(this.lastProcessCpu);
    this.lastProcessCpu = process.cpuUsage();
    const processMs = (used.user + used.system) / 1000;
    const clock = Date.now();
    for (const instance of this.watched) {
      if (instance.disposed) {
        this.watched.delete(instance);
        continue;
      }
      if (instance.endedByLimit) {
        instance.terminate(instance.problem('SANDBOX_MEMORY_LIMIT', 'Isolate was disposed during execution due to memory limit'));
        continue;
      }
      const cpu = instance.cpuMs;
      // isolated-vm times a task still running by the wall clock (its thread's CPU time is known only
      // when the task ends): on a busy core that counts time the isolate waited for a core. No thread
      // of this process used more CPU than the process did, so the process's CPU bounds the reading.
      const delta = Math.min(Math.max(0, cpu - instance.lastCpuMs), processMs);
      instance.lastCpuMs = cpu;
      this.charge(instance, delta, wall, clock);
      if (instance.disposed) continue;
      if (instance.calls.size > 0 && instance.heap.due()) void instance.checkHeap();
    }
    this.afterTick();
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private charge(instance: SandboxInstance, delta: number, wall: number, clock: number): void {
    const { tasks, calls, strays } = instance.runners();
    const share = delta / tasks;
    for (const call of calls) call.cpuMs += share;
    instance.strayCpuMs = Math.max(0, instance.strayCpuMs + share * strays - wall * STRAY_ALLOWANCE);
    if (instance.strayCpuMs > this.limits.cpuMs.route) {
      this.watched.delete(instance);
      return instance.terminate(instance.problem('SANDBOX_CPU_LIMIT', `used ${Math.round(instance.strayCpuMs)} ms of CPU outside its calls`));
    }
    if (instance.calls.size === 0) {
      if (delta <= 0 && ++instance.quietTicks > QUIET_TICKS_BEFORE_UNWATCH) this.watched.delete(instance);
      return;
    }
    instance.quietTicks = 0;
    for (const call of instance.calls.values()) {
      if (call.cpuMs > call.cpuLimitMs) {
        return instance.terminate(instance.problem('SANDBOX_CPU_LIMIT', `used more than ${call.cpuLimitMs} ms of CPU in one ${call.kind} call`));
      }
      if (clock > call.deadline) {
        return instance.terminate(instance.problem('SANDBOX_TIMEOUT', `did not finish a ${call.kind} call within ${this.limits.wallMs[call.kind]} ms`));
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }
}
