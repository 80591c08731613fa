import type { SandboxLimits } from '../options.js';
import type { SandboxInstance } from './sandbox-instance.js';

/** Ticks an isolate stays watched after its last call, to catch work that outlives its calls. */
const QUIET_TICKS_BEFORE_UNWATCH = 50;

/**
 * The one CPU and deadline watchdog of a host (a timer per call was measured to halve throughput).
 * Every tick it reads `isolate.cpuTime` of the isolates that ran recently and charges each call in
 * flight a fair share of the CPU used since the last tick: without async context inside the isolate
 * no call can be told apart from the others, and charging every call the whole of it killed calls
 * that were only waiting (on storage, HTTP or sleep) while their neighbours worked. A loop that never
 * yields is caught by saturation instead: an isolate busy without a break, and finishing no call
 * meanwhile, for longer than its calls' CPU limits added together has a call that does not let go
 * (a steady stream of short calls keeps it busy too, but they finish). A call over its CPU limit or deadline
 * ends its isolate, whose state is then untrustworthy; so does CPU used after every call has ended.
 */
export class Watchdog {
  private readonly watched = new Set<SandboxInstance>();
  private timer: NodeJS.Timeout | undefined;
  private lastTick = performance.now();

  constructor(
    private readonly intervalMs: number,
    private readonly limits: SandboxLimits,
  ) {}

  watch(instance: SandboxInstance): void {
    instance.quietTicks = 0;
    if (this.watched.has(instance)) return;
    instance.lastCpuMs = instance.cpuMs;
    instance.idleCpuMs = 0;
    this.watched.add(instance);
    if (!this.timer) {
      this.lastTick = performance.now();
      this.timer = setInterval(() => this.tick(), this.intervalMs);
    }
  }

  tick(): void {
    const now = performance.now();
    const wall = now - this.lastTick;
    this.lastTick = now;
    const clock = Date.now();
    for (const instance of this.watched) {
      if (instance.disposed) {
        this.watched.delete(instance);
        continue;
      }
      const cpu = instance.cpuMs;
      const delta = cpu - instance.lastCpuMs;
      instance.lastCpuMs = cpu;
      if (instance.calls.size === 0) this.idle(instance, delta);
      else this.charge(instance, delta, wall, clock);
    }
    if (this.watched.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private idle(instance: SandboxInstance, delta: number): void {
    instance.idleCpuMs += delta;
    if (instance.idleCpuMs > this.limits.cpuMs.route) {
      instance.terminate(instance.problem('SANDBOX_CPU_LIMIT', `used ${Math.round(instance.idleCpuMs)} ms of CPU after its calls had ended`));
      this.watched.delete(instance);
    } else if (delta <= 0 && ++instance.quietTicks > QUIET_TICKS_BEFORE_UNWATCH) {
      this.watched.delete(instance);
    }
  }

  private charge(instance: SandboxInstance, delta: number, wall: number, clock: number): void {
    instance.idleCpuMs = 0;
    instance.quietTicks = 0;
    const share = delta / instance.calls.size;
    const finishedSome = instance.finishedCalls !== instance.finishedAtLastTick;
    instance.finishedAtLastTick = instance.finishedCalls;
    instance.saturatedMs = delta >= wall * 0.5 && !finishedSome ? instance.saturatedMs + wall : 0;
    let budget = 0;
    for (const call of instance.calls.values()) budget += call.cpuLimitMs;
    if (instance.saturatedMs > budget) {
      instance.terminate(instance.problem('SANDBOX_CPU_LIMIT', `kept its isolate busy for ${Math.round(instance.saturatedMs)} ms without a break, more than its calls may use`));
      return;
    }
    for (const call of instance.calls.values()) {
      call.cpuMs += share;
      if (call.cpuMs > call.cpuLimitMs) {
        instance.terminate(instance.problem('SANDBOX_CPU_LIMIT', `used more than ${call.cpuLimitMs} ms of CPU in one ${call.kind} call`));
        return;
      }
      if (clock > call.deadline) {
        instance.terminate(instance.problem('SANDBOX_TIMEOUT', `did not finish a ${call.kind} call within ${this.limits.wallMs[call.kind]} ms`));
        return;
      }
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }
}
