import type { ClusterScheduler } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { ModuleInstall } from './installs.js';
import type { ModuleRuntime } from './module-runtime.js';

/** The metrics label of every module job: one kind, never a label per tenant or module. */
export const MODULE_CRON_KIND = 'module_cron';

/** The scheduled-job name of one install's job: its row in the control plane, one per tenant, module and job. */
export function moduleJobName(install: ModuleInstall, jobName: string): string {
  return `${MODULE_CRON_KIND}:${install.tenantId}:${install.module.manifest.id}:${jobName}`;
}

const grantsSchedules = (install: ModuleInstall) => install.module.manifest.permissions.some((p) => p.kind === 'schedules' && install.granted.includes(p.name));

/**
 * Runs the installed modules' cron jobs once per due time across the cluster. Every node looks at
 * each cron minute and offers every job of the installs it has to the cluster scheduler, which lets
 * exactly one node claim each due time (so the jobs spread over the nodes that have them). A cron
 * minute lasts MODULE_CRON_MINUTE_MS: 60 000 but in tests.
 */
export class ModuleCronJobs {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly runtime: ModuleRuntime,
    private readonly scheduler: ClusterScheduler,
    private readonly minuteMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Offers each job of each install with the `schedules` grant its latest due time at `now`. */
  tick(now = Date.now()): void {
    for (const install of this.runtime.installs.all()) {
      if (!grantsSchedules(install)) continue;
      const moduleId = install.module.manifest.id;
      for (const job of install.module.manifest.jobs) {
        const name = moduleJobName(install, job.name);
        void this.scheduler
          .runIfDue(name, {
            kind: MODULE_CRON_KIND,
            cron: job.cron,
            cronMinuteMs: this.minuteMs,
            run: ({ dueAt }) => this.runtime.runJob(install.tenantId, moduleId, job.name, dueAt),
          }, now)
          .catch((err: unknown) => this.log.warn({ err, tenantId: install.tenantId, module: moduleId, job: job.name }, 'module job could not claim its due time'));
      }
    }
  }

  /** Wakes just after each cron minute begins (minutes are multiples of minuteMs, the same on every node). */
  private arm(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick();
      this.arm();
    }, this.minuteMs - (Date.now() % this.minuteMs) + 5);
    this.timer.unref();
  }
}
