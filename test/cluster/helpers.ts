import { join } from 'node:path';
import type { MikroORM } from '@mikro-orm/core';
import { Registry } from 'prom-client';
import { createLogger } from '@dogan/runtime';
import type { Leases } from '@dogan/tenants';
import { openControlPlane } from '../../tenants/src/database/control-plane.js';
import { sqlSession } from '../../tenants/src/database/sql-session.js';
import { openLeases } from '../../tenants/src/leases/open-leases.js';
import { Scheduler } from '../../tenants/src/scheduling/cluster-scheduler.js';
import { ScheduledRuns } from '../../tenants/src/scheduling/scheduled-runs.js';
import { schedulerMetrics } from '../../tenants/src/scheduling/scheduler-metrics.js';
import type { TestEngine } from '../helpers/engines.js';

/**
 * A "node" of the cluster in this process, without a kernel: its own control-plane connection (its
 * own SQLite handle on the same file, or its own PostgreSQL pool), its own leases (its own holder and
 * lease connection) and its own scheduler and metrics, as a separate process would have.
 */
export interface SchedulerNode {
  readonly orm: MikroORM;
  readonly leases: Leases;
  readonly scheduler: Scheduler;
  readonly metrics: Registry;
  /** Closes scheduler, leases and connection (also done at teardown; safe twice). */
  close(): Promise<void>;
}

/** Where an engine's control plane is, as the tenants plugin's variables name it. */
export function controlPlaneOf(engine: TestEngine): { DATABASE_URL: string | undefined; PLATFORM_DB_PATH: string } {
  return { DATABASE_URL: engine.env.DATABASE_URL || undefined, PLATFORM_DB_PATH: join(engine.dataDir, 'platform.db') };
}

export async function openSchedulerNode(t: { teardown(fn: () => unknown): void }, engine: TestEngine, options: { leaseTtlMs?: number } = {}): Promise<SchedulerNode> {
  const database = controlPlaneOf(engine);
  const orm = await openControlPlane(database);
  const sql = sqlSession(orm.em.fork());
  const leases = openLeases({ DATABASE_URL: database.DATABASE_URL, LEASE_TTL_MS: options.leaseTtlMs ?? 2_000 }, sql);
  const metrics = new Registry();
  const scheduler = new Scheduler({ runs: new ScheduledRuns(sql, leases.holder), leases, metrics: schedulerMetrics(metrics), log: createLogger({ LOG_LEVEL: 'silent' }) });
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await scheduler.close();
      await leases.close();
      await orm.close(true);
    })());
  t.teardown(close);
  return { orm, leases, scheduler, metrics, close };
}

/** A counter's value for one label set on a registry (0 when never incremented). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

/** Resolves when `check` is true, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** How many values occur more than once. */
export function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const twice = new Set<T>();
  for (const v of values) (seen.has(v) ? twice : seen).add(v);
  return [...twice];
}
