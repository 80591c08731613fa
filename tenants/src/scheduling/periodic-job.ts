/** How a look at a job's latest due time ended. */
export type RunOutcome =
  /** This node ran it. */
  | 'ran'
  /** This node ran it and the run threw (logged, counted, recorded). */
  | 'failed'
  /** Nothing to run: the latest due time was claimed already (here or elsewhere), or none has come. */
  | 'not-due'
  /** Another node claimed it first. */
  | 'taken'
  /** Another node holds the job's lease (running an earlier due time): look again soon. */
  | 'busy';

/** Due times are this much behind their timer, so a timer firing a hair early still sees the new one. */
const WAKE_AFTER_DUE_MS = 5;
const MAX_RETRY_MS = 5_000;

/**
 * One job's timer on this node: wakes at each due time (due times are multiples of the period, so
 * every node wakes at the same instants), asks `attempt` to claim and run it, and looks again at once
 * after a run (a run longer than the period leaves a due time to catch up), soon when another node
 * holds the job's lease, else at the next due time. Never two attempts of one job at once here.
 */
export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private readonly retryMs: number;

  constructor(
    private readonly periodMs: number,
    private readonly attempt: (signal: AbortSignal) => Promise<RunOutcome>,
    private readonly onError: (err: unknown) => void,
  ) {
    this.retryMs = Math.min(MAX_RETRY_MS, Math.max(10, Math.floor(periodMs / 4)));
  }

  start(): void {
    this.arm(this.untilNextDue());
  }

  /** Stops the timer, aborts a run in progress (its signal) and waits for it to end. */
  async stop(): Promise<void> {
    this.stopping.abort(new Error('the scheduler is stopping'));
    clearTimeout(this.timer);
    await this.running;
  }

  private untilNextDue(): number {
    return this.periodMs - (Date.now() % this.periodMs) + WAKE_AFTER_DUE_MS;
  }

  private arm(delayMs: number): void {
    if (this.stopping.signal.aborted) return;
    this.timer = setTimeout(() => this.tick(), delayMs);
    this.timer.unref();
  }

  private tick(): void {
    this.running = (async () => {
      let next: number;
      try {
        const outcome = await this.attempt(this.stopping.signal);
        next = outcome === 'ran' || outcome === 'failed' ? 0 : outcome === 'busy' ? this.retryMs : this.untilNextDue();
      } catch (err) {
        // The control plane did not answer: try again soon, not a whole period later.
        this.onError(err);
        next = Math.min(this.retryMs * 4, this.untilNextDue());
      }
      this.arm(next);
    })().finally(() => (this.running = undefined));
  }
}
