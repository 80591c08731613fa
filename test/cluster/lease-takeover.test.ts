import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { controlPlaneOf, metricValue, openSchedulerNode, waitFor } from './helpers.js';

/**
 * A node killed with SIGKILL while holding a lease: another node takes the lease over once it has
 * timed out (SQLite: its row expires LEASE_TTL_MS after the last renewal) or as soon as the server
 * has seen the holder's connection close (PostgreSQL: the advisory lock ends with the session), and
 * not before. The holder is a real process, killed for real.
 */

const TTL = 1_500;
const fixture = join(import.meta.dirname, 'fixtures', 'lease-holder.ts');

interface Holder {
  readonly child: ChildProcess;
  /** The first JSON line the holder printed. */
  readonly said: Promise<Record<string, unknown>>;
  kill(): Promise<number>;
}

function startHolder(t: Test, engine: TestEngine, args: string[]): Holder {
  const database = controlPlaneOf(engine);
  const child = spawn(process.execPath, ['--conditions=dogan-source', '--import', 'tsx', fixture, ...args], {
    env: { ...process.env, DATABASE_URL: database.DATABASE_URL ?? '', PLATFORM_DB_PATH: database.PLATFORM_DB_PATH, LEASE_TTL_MS: String(TTL) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  t.teardown(() => {
    child.kill('SIGKILL');
    return exited;
  });
  const said = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffer = '';
    child.stdout!.on('data', (d) => {
      buffer += d;
      const line = buffer.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    void exited.then(() => reject(new Error(`the holder exited before holding anything:\n${output}`)));
  });
  return {
    child,
    said,
    async kill() {
      child.kill('SIGKILL');
      await exited;
      return Date.now();
    },
  };
}

void forEachEngine(t, 'a lease held by a killed node is taken over once it times out, not before', async (t, engine) => {
  const node = await openSchedulerNode(t, engine, { leaseTtlMs: TTL });
  const holder = startHolder(t, engine, ['lease', 'outbox-relay:control-plane']);
  t.match(await holder.said, { held: true }, 'the other process holds the lease');
  t.equal(await node.leases.tryAcquire('outbox-relay:control-plane'), undefined, 'so this node cannot take it');

  const killedAt = await holder.kill();
  if (engine.name === 'sqlite') {
    t.equal(await node.leases.tryAcquire('outbox-relay:control-plane'), undefined, 'right after the kill the row has not expired yet');
  }
  let lease: Awaited<ReturnType<typeof node.leases.tryAcquire>>;
  await waitFor('the lease to be free', async () => (lease = await node.leases.tryAcquire('outbox-relay:control-plane')) !== undefined, 10_000);
  const waited = Date.now() - killedAt;
  if (engine.name === 'sqlite') t.ok(waited >= TTL / 3 && waited <= TTL + 1_000, `taken over ${waited} ms after the kill: when the last renewal's TTL ran out`);
  else t.ok(waited < 2_000, `taken over ${waited} ms after the kill: the server ended the holder's session and its lock`);
  t.notOk(lease!.signal.aborted, 'the new holder holds it');
  await lease!.release();
});

void forEachEngine(t, 'a scheduled job whose node is killed mid-run moves to another node after the lease times out', async (t, engine) => {
  const interval = 200;
  const node = await openSchedulerNode(t, engine, { leaseTtlMs: TTL });
  const holder = startHolder(t, engine, ['job', 'billing_cycle', String(interval)]);
  const running = await holder.said;
  t.type(running.running, 'number', 'the other node is running a due time, holding the job\'s lease');

  const runs: Array<{ due: number; missed: number; at: number }> = [];
  const job = node.scheduler.scheduleOncePerCluster('billing_cycle', { intervalMs: interval, run: async ({ dueAt, missed }) => void runs.push({ due: dueAt.getTime(), missed, at: Date.now() }) });
  t.teardown(() => job.stop());
  await new Promise((r) => setTimeout(r, 3 * interval));
  t.same(runs, [], 'while it holds the lease, this node runs nothing');

  const killedAt = await holder.kill();
  await waitFor('this node to run the job', () => runs.length >= 3, 15_000);
  await job.stop();
  const first = runs[0]!;
  const waited = first.at - killedAt;
  if (engine.name === 'sqlite') t.ok(waited >= TTL / 3 && waited <= TTL + 1_000, `the first run here started ${waited} ms after the kill`);
  else t.ok(waited < 2_000, `the first run here started ${waited} ms after the kill`);
  t.ok(first.due > Number(running.running), 'with a due time after the one the killed node claimed, never that one again');
  t.ok(first.missed >= 1, `due times that passed meanwhile are counted missed (${first.missed})`);
  t.equal(await metricValue(node.metrics, 'dogan_scheduled_runs_missed_total', { job: 'billing_cycle' }), first.missed + runs.slice(1).reduce((n, r) => n + r.missed, 0));
  const [row] = await engine.controlPlaneRows("SELECT completed_due_ms, last_due_ms FROM dogan_scheduled_jobs WHERE job = 'billing_cycle'");
  t.ok(Number(row!.completed_due_ms) > Number(running.running), 'the killed run never completed; the ones after it did');
});
