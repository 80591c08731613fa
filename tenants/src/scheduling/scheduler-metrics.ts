import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The scheduler's metrics, labelled by job kind (`tenant_sweep`, `billing_cycle`, `module_cron`):
 * a bounded set, never a tenant or a module. A second scheduler on the same registry (two kernels
 * in a test process share none, but a plugin may build one) reuses the metrics registered first.
 */
export interface SchedulerMetrics {
  readonly runs: Counter<'job' | 'outcome'>;
  readonly missed: Counter<'job'>;
  readonly lateness: Histogram<'job'>;
}

function reuse<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function schedulerMetrics(registry: Registry): SchedulerMetrics {
  const registers = [registry];
  return {
    runs: reuse(registry, 'dogan_scheduled_runs_total', () =>
      new Counter({ name: 'dogan_scheduled_runs_total', help: 'Scheduled runs this node completed (once per due time across the cluster), by job kind and outcome', labelNames: ['job', 'outcome'] as const, registers }),
    ),
    missed: reuse(registry, 'dogan_scheduled_runs_missed_total', () =>
      new Counter({ name: 'dogan_scheduled_runs_missed_total', help: 'Due times no node ran (all down, or busy past the next one), counted by the node that ran the next due time', labelNames: ['job'] as const, registers }),
    ),
    lateness: reuse(registry, 'dogan_scheduled_run_lateness_seconds', () =>
      new Histogram({
        name: 'dogan_scheduled_run_lateness_seconds',
        help: 'How long after its due time a scheduled run started',
        labelNames: ['job'] as const,
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 3600],
        registers,
      }),
    ),
  };
}
