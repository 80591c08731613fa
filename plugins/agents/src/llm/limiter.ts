import { LlmErrors } from './llm-errors.js';

export interface LlmLimiterOptions {
  /** Calls in flight at once. */
  readonly maxConcurrent: number;
  /** Callers that may wait for a slot; one more is refused at once. Default 200. */
  readonly maxQueue?: number;
  /** How long a caller may wait for a slot before it is refused. Default 120000. */
  readonly maxWaitMs?: number;
}

/**
 * One tenant's share of LLM calls on this node: a FIFO semaphore, so one tenant's agents cannot hold
 * every connection to a provider, and a burst waits its turn rather than piling up without bound.
 * Over the queue or the wait it refuses with LLM_TOO_MANY_REQUESTS, carrying `retryAfterSeconds`.
 * A slot is held per attempt, not across the backoff between attempts.
 */
export class LlmLimiter {
  readonly maxConcurrent: number;
  private readonly maxQueue: number;
  private readonly maxWaitMs: number;
  private readonly queue: Array<(release: () => void) => void> = [];
  private inFlight = 0;

  constructor(o: LlmLimiterOptions) {
    if (!(o.maxConcurrent >= 1)) throw new RangeError('LlmLimiter needs maxConcurrent >= 1');
    this.maxConcurrent = Math.floor(o.maxConcurrent);
    this.maxQueue = o.maxQueue ?? 200;
    this.maxWaitMs = o.maxWaitMs ?? 120_000;
  }

  get stats(): { inFlight: number; waiting: number } {
    return { inFlight: this.inFlight, waiting: this.queue.length };
  }

  /** Waits for a slot; the answer frees it (calling it twice frees it once). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.length === 0 && this.inFlight < this.maxConcurrent) {
      this.inFlight++;
      return Promise.resolve(this.releaser());
    }
    if (this.queue.length >= this.maxQueue) return Promise.reject(this.refusal(`${this.maxQueue} waiting`));
    return new Promise((resolve, reject) => {
      const leave = (err: unknown) => {
        const i = this.queue.indexOf(grant);
        if (i >= 0) this.queue.splice(i, 1);
        done();
        reject(err);
      };
      const timer = setTimeout(() => leave(this.refusal(`no slot within ${this.maxWaitMs} ms`)), this.maxWaitMs);
      const onAbort = () => leave(signal!.reason);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const grant = (release: () => void) => {
        done();
        resolve(release);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(grant);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      // The slot passes straight to the next waiter; otherwise it is freed.
      if (next) next(this.releaser());
      else this.inFlight--;
    };
  }

  private refusal(why: string) {
    const retryAfterSeconds = 5;
    return LlmErrors.LLM_TOO_MANY_REQUESTS.with({ retryAfterSeconds }, `${this.maxConcurrent} in flight; ${why}`, retryAfterSeconds);
  }
}
