import type { Logger } from 'pino';
import { createServiceRef } from '@dogan/runtime';
import { TenantErrors } from '../errors.js';
import type { Leases } from '../leases/lease.js';
import { cadenceOf, scheduleProblem, type Cadence, type Schedule } from './cadence.js';
import { PeriodicJob, type RunOutcome } from './periodic-job.js';
import type { DueClaim, ScheduledRuns } from './scheduled-runs.js';
import type { SchedulerMetrics } from './scheduler-metrics.js';

export type { RunOutcome } from './periodic-job.js';

/** What a scheduled job's `run` receives. */
export interface ScheduledRun {
  /** The job's name. */
  readonly job: string;
  /** The due time this run is for (the same instant on every node). */
  readonly dueAt: Date;
  /** Due times before this one that no node ran (the cluster was down, or a run outlasted them). */
  readonly missed: number;
  /** Aborted when this node loses the job's lease or stops: another node may run the next due time. */
  readonly signal: AbortSignal;
}

/** A job: its schedule, its metrics label, and what runs at each due time. */
export type ScheduledJobOptions = Schedule & {
  /**
   * The `job` label of its metrics: a job kind (`billing_cycle`, `module_cron`), one of a small fixed
   * set, never a tenant or a module. Default: the job's name.
   */
  readonly kind?: string;
  run(run: ScheduledRun): Promise<unknown>;
};

/** A job scheduled on this node. */
export interface ScheduledJob {
  readonly name: string;
  /** Stops this node's timer for the job and waits for a run in progress here (its signal is aborted). */
  stop(): Promise<void>;
}

/**
 * Work that must happen once per due time across every node of the cluster. Due times are fixed
 * instants (multiples of an interval since the epoch, or cron minutes in UTC); for each, one node
 * claims it in the control plane with a conditional update and runs it. Due times nobody ran (every
 * node down, or a run outlasting the next due time) are not run one by one: the next run covers them
 * (every job here processes whatever is due up to now) and they are counted as missed. A run that
 * dies with its node is not repeated for its due time; the next due time runs as usual.
 */
export interface ClusterScheduler {
  /**
   * Runs `options.run` at each due time on exactly one node: this node competes for it under the
   * job's lease (`schedule:<name>`), so two runs of the job never overlap in the cluster. Call it on
   * every node (in `onReady`), and `stop()` the job in `onClose`. A job seen for the first time starts
   * with the due time now current when it is at most one period old.
   */
  scheduleOncePerCluster(name: string, options: ScheduledJobOptions): ScheduledJob;
  /**
   * One look, without a timer or lease, for callers that check many jobs on one tick of their own
   * (module cron jobs): claims the latest due time at `now` unless some node has, and runs it here.
   * Runs of the same job for different due times may overlap on different nodes.
   */
  runIfDue(name: string, options: ScheduledJobOptions, now?: number): Promise<RunOutcome>;
}

export const clusterSchedulerRef = createServiceRef<ClusterScheduler>({ id: 'tenants.scheduler' });

/** Job names: the key of the job's row, e.g. `billing_cycle`, `module_cron:<tenant>:<module>:<job>`. */
const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,299}$/;
/** Metric labels: a job kind. */
const JOB_KIND = /^[a-z][a-z0-9_]{0,59}$/;
/** Due times known claimed, so a tick over many jobs asks the control plane only when one is new. */
const KNOWN_LIMIT = 50_000;

interface Prepared {
  readonly kind: string;
  readonly cadence: Cadence;
  readonly run: ScheduledJobOptions['run'];
}

export interface SchedulerDeps {
  readonly runs: ScheduledRuns;
  readonly leases: Leases;
  readonly metrics: SchedulerMetrics;
  readonly log: Logger;
}

export class Scheduler implements ClusterScheduler {
  private readonly jobs = new Map<string, PeriodicJob>();
  private readonly cadences = new Map<string, Cadence>();
  /** Per job, the latest due time known to be claimed (by any node). */
  private readonly known = new Map<string, number>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly closing = new AbortController();

  constructor(private readonly deps: SchedulerDeps) {}

  scheduleOncePerCluster(name: string, options: ScheduledJobOptions): ScheduledJob {
    const job = this.prepare(name, options);
    if (this.jobs.has(name)) throw TenantErrors.SCHEDULED_JOB_DUPLICATE(name);
    const timer = new PeriodicJob(
      job.cadence.periodMs,
      (signal) => this.attemptUnderLease(name, job, signal),
      (err) => this.deps.log.warn({ err, job: name }, 'scheduled job could not look at its due time; trying again'),
    );
    this.jobs.set(name, timer);
    timer.start();
    return {
      name,
      stop: async () => {
        if (this.jobs.get(name) === timer) this.jobs.delete(name);
        await timer.stop();
      },
    };
  }

  async runIfDue(name: string, options: ScheduledJobOptions, now = Date.now()): Promise<RunOutcome> {
    const job = this.prepare(name, options);
    const due = job.cadence.latestDue(now);
    if (due === undefined || due <= (this.known.get(name) ?? -Infinity)) return 'not-due';
    const claim = await this.claim(name, job, due, now);
    if (!claim) return 'taken';
    return this.track(this.execute(name, job, claim, this.closing.signal));
  }

  /** Stops every job's timer and waits for the runs in progress on this node. */
  async close(): Promise<void> {
    this.closing.abort(new Error('the scheduler is closing'));
    await Promise.all([...this.jobs.values()].map((job) => job.stop()));
    this.jobs.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private prepare(name: string, options: ScheduledJobOptions): Prepared {
    const kind = options.kind ?? name;
    if (!JOB_NAME.test(name)) throw TenantErrors.SCHEDULE_INVALID(name.slice(0, 100), `its name must match ${JOB_NAME}`);
    if (!JOB_KIND.test(kind)) throw TenantErrors.SCHEDULE_INVALID(name, `its kind "${kind.slice(0, 100)}" must match ${JOB_KIND} (give "kind" when the name is not one)`);
    const key = options.cron === undefined ? `every ${options.intervalMs}` : `cron ${options.cron} / ${options.cronMinuteMs ?? ''}`;
    let cadence = this.cadences.get(key);
    if (!cadence) {
      const problem = scheduleProblem(options);
      if (problem) throw TenantErrors.SCHEDULE_INVALID(name, problem);
      this.cadences.set(key, (cadence = cadenceOf(options)));
    }
    return { kind, cadence, run: options.run };
  }

  /** Under the job's lease: claims and runs the latest due time unless it is claimed already. */
  private async attemptUnderLease(name: string, job: Prepared, stopping: AbortSignal): Promise<RunOutcome> {
    const now = Date.now();
    const due = job.cadence.latestDue(now);
    if (due === undefined || due <= (this.known.get(name) ?? -Infinity)) return 'not-due';
    // A plain read first: most looks find the due time claimed, and need no lease for that.
    const last = await this.deps.runs.lastDue(name);
    if (last !== undefined) this.known.set(name, last);
    if (last !== undefined && last >= due) return 'not-due';
    const lease = await this.deps.leases.tryAcquire(`schedule:${name}`);
    if (!lease) return 'busy';
    try {
      const claim = await this.claim(name, job, due, now);
      if (!claim) return 'taken';
      return await this.track(this.execute(name, job, claim, AbortSignal.any([lease.signal, stopping])));
    } finally {
      await lease.release().catch((err: unknown) => this.deps.log.warn({ err, job: name }, 'scheduled job lease release failed'));
    }
  }

  private async claim(name: string, job: Prepared, due: number, now: number): Promise<DueClaim | undefined> {
    // Seen for the first time: the current due time is run when it is at most one period old.
    const firstFloor = job.cadence.latestDue(now - job.cadence.periodMs) ?? due - 1;
    const claim = await this.deps.runs.claim(name, job.kind, due, firstFloor, (previous) => job.cadence.countBetween(previous, due));
    if (this.known.size >= KNOWN_LIMIT) this.known.clear();
    this.known.set(name, due);
    return claim;
  }

  private async execute(name: string, job: Prepared, claim: DueClaim, signal: AbortSignal): Promise<RunOutcome> {
    const { metrics, log } = this.deps;
    const started = Date.now();
    metrics.lateness.observe({ job: job.kind }, Math.max(0, started - claim.dueMs) / 1000);
    if (claim.missed > 0) {
      metrics.missed.inc({ job: job.kind }, claim.missed);
      log.warn({ job: name, missed: claim.missed, dueAt: new Date(claim.dueMs).toISOString() }, 'scheduled job missed due times; running the latest');
    }
    let error: string | undefined;
    try {
      await job.run({ job: name, dueAt: new Date(claim.dueMs), missed: claim.missed, signal });
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      log.error({ err, job: name, dueAt: new Date(claim.dueMs).toISOString() }, 'scheduled run failed');
    }
    const outcome = error === undefined ? 'ok' : 'failed';
    metrics.runs.inc({ job: job.kind, outcome });
    await this.deps.runs.complete(name, claim.dueMs, outcome, error).catch((err: unknown) => log.warn({ err, job: name }, 'scheduled run could not be recorded as completed'));
    log.debug({ job: name, kind: job.kind, dueAt: new Date(claim.dueMs).toISOString(), ms: Date.now() - started, outcome }, 'scheduled run finished');
    return error === undefined ? 'ran' : 'failed';
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    return work;
  }
}
