import { ErpnextErrors } from '../errors.js';

export interface RequestLimiterOptions {
  /** Requests in flight at once. */
  readonly maxConcurrent: number;
  /** Requests started per second, on average; bursts of up to this many are allowed. */
  readonly perSecond: number;
  /** Callers that may wait for a slot; one more is refused at once. Default 100. */
  readonly maxQueue?: number;
  /** How long a caller may wait for a slot before it is refused. Default 10000. */
  readonly maxWaitMs?: number;
}

interface Waiter {
  readonly grant: (release: () => void) => void;
}

/**
 * One tenant's share of its ERPNext site: a semaphore (requests in flight) and a token bucket
 * (requests started per second), FIFO for fairness. It protects the tenant's own site from our
 * agents, modules and syncs together, and makes one noisy tenant wait, not the others: every client
 * of a tenant shares one limiter. Over the queue or the wait it refuses with ERPNEXT_TOO_MANY_REQUESTS,
 * carrying `retryAfterSeconds`, rather than letting callers pile up without bound.
 */
export class RequestLimiter {
  readonly maxConcurrent: number;
  readonly perSecond: number;
  private readonly maxQueue: number;
  private readonly maxWaitMs: number;
  private readonly queue: Waiter[] = [];
  private inFlight = 0;
  private tokens: number;
  private refilledAt = performance.now();
  private refillTimer: NodeJS.Timeout | undefined;

  constructor(o: RequestLimiterOptions) {
    if (!(o.maxConcurrent >= 1) || !(o.perSecond > 0)) throw new RangeError('RequestLimiter needs maxConcurrent >= 1 and perSecond > 0');
    this.maxConcurrent = Math.floor(o.maxConcurrent);
    this.perSecond = o.perSecond;
    this.maxQueue = o.maxQueue ?? 100;
    this.maxWaitMs = o.maxWaitMs ?? 10_000;
    this.tokens = Math.max(1, this.perSecond);
  }

  /** Requests holding a slot now, and callers waiting for one. */
  get stats(): { inFlight: number; waiting: number } {
    return { inFlight: this.inFlight, waiting: this.queue.length };
  }

  /** Waits for a slot; the answer frees it (calling it twice frees it once). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.length === 0 && this.tryTake()) return Promise.resolve(this.releaser());
    if (this.queue.length >= this.maxQueue) return Promise.reject(this.refusal(`${this.maxQueue} waiting`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => leave(this.refusal(`no slot within ${this.maxWaitMs} ms`)), this.maxWaitMs);
      const onAbort = () => leave(signal!.reason);
      const leave = (err: unknown) => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        done();
        reject(err);
      };
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: (release) => {
          done();
          resolve(release);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(waiter);
      this.pump();
    });
  }

  private refill(): void {
    const now = performance.now();
    this.tokens = Math.min(Math.max(1, this.perSecond), this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
  }

  private tryTake(): boolean {
    if (this.inFlight >= this.maxConcurrent) return false;
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.inFlight++;
    return true;
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      this.pump();
    };
  }

  /** Hands free slots to waiters in order; when only tokens are missing, wakes up when the next one is due. */
  private pump(): void {
    while (this.queue.length > 0 && this.tryTake()) this.queue.shift()!.grant(this.releaser());
    if (this.queue.length === 0 || this.inFlight >= this.maxConcurrent || this.refillTimer) return;
    const dueMs = Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
    this.refillTimer = setTimeout(() => {
      this.refillTimer = undefined;
      this.pump();
    }, dueMs);
  }

  private refusal(why: string) {
    // When could a new caller expect a slot: the queue ahead of it, drained at the rate.
    const retryAfterSeconds = Math.max(1, Math.ceil((this.queue.length + 1) / this.perSecond));
    const limit = `${this.maxConcurrent} in flight, ${this.perSecond} per second; ${why}`;
    return ErpnextErrors.ERPNEXT_TOO_MANY_REQUESTS.with({ retryAfterSeconds }, limit, retryAfterSeconds);
  }
}
