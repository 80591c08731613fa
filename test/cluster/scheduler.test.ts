import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { duplicates, metricValue, openSchedulerNode, waitFor } from './helpers.js';

/**
 * The cluster scheduler on both control-plane engines, two nodes in this process (each with its own
 * connection, leases and metrics; on SQLite two handles on one file, as a server and a `dogan` command
 * beside it): every due time runs exactly once across the nodes, whatever their timers or clocks say.
 */

const INTERVAL = 250;
const DUE_TIMES = 20;

void forEachEngine(t, 'two schedulers with the same job run each of 20 due times exactly once between them', async (t, engine) => {
  const nodes = [await openSchedulerNode(t, engine), await openSchedulerNode(t, engine)];
  const runs: Array<{ due: number; node: number }> = [];
  const jobs = nodes.map((node, i) =>
    node.scheduler.scheduleOncePerCluster('billing_cycle', {
      intervalMs: INTERVAL,
      run: async ({ dueAt }) => {
        runs.push({ due: dueAt.getTime(), node: i });
        // Long enough that the other node's timer fires while this one holds the job.
        await new Promise((r) => setTimeout(r, 20));
      },
    }),
  );
  await waitFor(`${DUE_TIMES + 1} runs`, () => runs.length > DUE_TIMES, 30_000);
  await Promise.all(jobs.map((job) => job.stop()));

  const dues = runs.map((r) => r.due);
  t.same(duplicates(dues), [], 'no due time ran twice');
  const [row] = await engine.controlPlaneRows("SELECT last_due_ms, runs, missed, outcome FROM dogan_scheduled_jobs WHERE job = 'billing_cycle'");
  const first = Math.min(...dues);
  const last = Math.max(...dues);
  t.equal(Number(row!.last_due_ms), last, 'the record holds the latest due time run');
  t.equal(Number(row!.runs), runs.length, 'one claim per run');
  // On a loaded machine a due time can pass while both event loops are busy: then it is counted, never run late twice.
  t.equal((last - first) / INTERVAL + 1, runs.length + Number(row!.missed), 'every due time from the first to the last was run or counted missed');
  t.ok(Number(row!.missed) <= 2, 'and hardly any was missed', { missed: row!.missed });
  t.equal(row!.outcome, 'ok');
  const counted = await Promise.all(nodes.map((n) => metricValue(n.metrics, 'dogan_scheduled_runs_total', { job: 'billing_cycle', outcome: 'ok' })));
  t.equal(counted[0]! + counted[1]!, runs.length, 'dogan_scheduled_runs_total over both nodes counts each run once');
});

void forEachEngine(t, 'nodes whose clocks disagree never run a due time twice, nor go back to an earlier one', async (t, engine) => {
  const [a, b] = [await openSchedulerNode(t, engine), await openSchedulerNode(t, engine)];
  const ran = new Map<number, number>();
  const job = { kind: 'module_cron', intervalMs: 60_000, run: async ({ dueAt }: { dueAt: Date }) => void ran.set(dueAt.getTime(), (ran.get(dueAt.getTime()) ?? 0) + 1) };
  const base = Math.floor(Date.now() / 60_000) * 60_000;
  const name = 'module_cron:tenant-1:acme.tasks:digest';
  // The job is first seen at its first due time; then 19 more, with A's clock 3 s ahead of B's.
  for (let k = 0; k < DUE_TIMES; k++) {
    const due = base + k * 60_000;
    const outcomes = await Promise.all([a.scheduler.runIfDue(name, job, due + 3_500), b.scheduler.runIfDue(name, job, due + 500)]);
    t.same(outcomes.filter((o) => o === 'ran').length, 1, `due time ${k + 1}: one node ran it`, { outcomes });
    // B's timer, late by a whole period, still sees the due time before: it runs nothing.
    t.equal(await b.scheduler.runIfDue(name, job, due - 1), 'not-due');
  }
  t.same([...ran.values()].filter((n) => n !== 1), [], 'each due time ran once');
  t.equal(ran.size, DUE_TIMES, 'and every one of them ran');
  t.equal(await metricValue(a.metrics, 'dogan_scheduled_runs_missed_total', { job: 'module_cron' }) + (await metricValue(b.metrics, 'dogan_scheduled_runs_missed_total', { job: 'module_cron' })), 0, 'nothing counted missed');
});

void forEachEngine(t, 'due times missed while every node was down run once, the others are counted missed', async (t, engine) => {
  const node = await openSchedulerNode(t, engine);
  const dues: number[] = [];
  const job = { intervalMs: 60_000, run: async ({ dueAt, missed }: { dueAt: Date; missed: number }) => void dues.push(dueAt.getTime(), missed) };
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
  t.equal(await node.scheduler.runIfDue('tenant_sweep', job, base + 10), 'ran', 'first seen at a due time: it runs');
  t.equal(await node.scheduler.runIfDue('tenant_sweep', job, base + 30 * 60_000 + 10), 'ran', 'half an hour later: runs once');
  t.same(dues, [base, 0, base + 30 * 60_000, 29], 'for the latest due time, with the 29 before it as missed');
  t.equal(await metricValue(node.metrics, 'dogan_scheduled_runs_missed_total', { job: 'tenant_sweep' }), 29);
  const [row] = await engine.controlPlaneRows("SELECT runs, missed FROM dogan_scheduled_jobs WHERE job = 'tenant_sweep'");
  t.same({ runs: Number(row!.runs), missed: Number(row!.missed) }, { runs: 2, missed: 29 });

  // A job first seen long after its due time (a nightly job installed in the afternoon) waits for the next.
  t.equal(await node.scheduler.runIfDue('nightly', { cron: '0 3 * * *', run: async () => undefined }, Date.parse('2026-03-10T15:00:00Z')), 'taken');
  t.equal(await node.scheduler.runIfDue('nightly', { cron: '0 3 * * *', run: async () => undefined }, Date.parse('2026-03-11T03:00:20Z')), 'ran');
});

void forEachEngine(t, 'a failed run is counted and recorded, and its due time is not run again', async (t, engine) => {
  const node = await openSchedulerNode(t, engine);
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  let calls = 0;
  const job = { intervalMs: 60_000, run: async () => { calls++; throw new Error('provider down'); } };
  t.equal(await node.scheduler.runIfDue('billing_dunning', job, now + 5), 'failed');
  t.equal(await node.scheduler.runIfDue('billing_dunning', job, now + 10), 'not-due');
  t.equal(calls, 1);
  t.equal(await metricValue(node.metrics, 'dogan_scheduled_runs_total', { job: 'billing_dunning', outcome: 'failed' }), 1);
  const [row] = await engine.controlPlaneRows("SELECT outcome, error, completed_due_ms FROM dogan_scheduled_jobs WHERE job = 'billing_dunning'");
  t.same({ outcome: row!.outcome, error: row!.error, completed: Number(row!.completed_due_ms) }, { outcome: 'failed', error: 'provider down', completed: now });
});

void forEachEngine(t, 'misuse fails at scheduling with a clear code', async (t, engine) => {
  const { scheduler } = await openSchedulerNode(t, engine);
  const run = async () => undefined;
  t.throws(() => scheduler.scheduleOncePerCluster('x', { intervalMs: 5, run }), { code: 'SCHEDULE_INVALID' });
  t.throws(() => scheduler.scheduleOncePerCluster('bad name!', { intervalMs: 1000, run }), { code: 'SCHEDULE_INVALID' });
  t.throws(() => scheduler.scheduleOncePerCluster('module_cron:t1:acme.x:j', { cron: '* * * * *', run }), /kind/, 'a name that is no kind needs a kind, so labels stay bounded');
  t.throws(() => scheduler.scheduleOncePerCluster('y', { cron: '* * * *', run }), /five fields/);
  const job = scheduler.scheduleOncePerCluster('tenant_sweep', { intervalMs: 60_000, run });
  t.throws(() => scheduler.scheduleOncePerCluster('tenant_sweep', { intervalMs: 60_000, run }), { code: 'SCHEDULED_JOB_DUPLICATE' });
  await job.stop();
  const again = scheduler.scheduleOncePerCluster('tenant_sweep', { intervalMs: 60_000, run });
  await again.stop();
  t.pass('a stopped job may be scheduled again');
});
