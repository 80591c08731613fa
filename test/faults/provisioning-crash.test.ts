import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import { openEngine, postgresUnavailable, type EngineName, type TestEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { call } from './helpers.js';
import { launchPlatform, type PlatformProcess } from './platform-process.js';

/**
 * The platform as `dogan start` runs it, killed with SIGKILL in the middle of `POST
 * /api/admin/tenants` at ten points, then started again on the same data dir and databases. After
 * each restart the tenant must be either fully provisioned (trial, its database there and migrated,
 * serving its API to a key) or fully gone (no record, no database or file), and a gone tenant's
 * subdomain must be creatable again. The exact points use the test-only DOGAN_FAULT_KILL_AT hook
 * (tenants/src/fault-injection.ts); two more kills are by the clock.
 *
 * Each process is killed once, so one process per point: the next one (armed for the next point)
 * checks the previous tenant first, and the processes with no hook armed create again the
 * subdomains of the tenants that were rolled back so far. Both engines run side by side.
 */

interface KillPoint {
  readonly label: string;
  /** DOGAN_FAULT_KILL_AT for the process; absent: killed by the clock. */
  readonly at?: string;
  readonly afterMs?: number;
}

const POINTS: readonly KillPoint[] = [
  { label: '20 ms into the request', afterMs: 20 },
  { label: 'after the record is reserved', at: 'reserve-record:after' },
  { label: 'before the database is created', at: 'create-database:before' },
  { label: 'right after the database is created', at: 'create-database:after' },
  { label: "after the modules plugin's migrations, inside the migration transaction", at: 'migration:modules:0002-module-logs:after' },
  { label: 'after the migrations are committed', at: 'run-migrations:after' },
  { label: "in billing's onTenantProvisioned hook (after it ran)", at: 'hook:billing:after' },
  { label: 'before the final status change', at: 'open-for-business:before' },
  { label: 'after the final status change, before the answer', at: 'open-for-business:after' },
  { label: '200 ms into the request', afterMs: 200 },
];

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

type Outcome = 'provisioned' | 'rolled back';

/** One engine's run, asserting on the test as it goes (the two engines' lines interleave, each named). */
class CrashRun {
  readonly outcomes: Array<{ point: string; outcome: Outcome | 'inconsistent' }> = [];
  private readonly rolledBack: string[] = [];
  private expectedMigrations: string[] = [];

  constructor(
    private readonly t: Test,
    private readonly engine: TestEngine,
  ) {}

  private check(label: string, ok: boolean, detail?: unknown) {
    this.t.ok(ok, `${this.engine.name}: ${label}`, ok ? {} : { detail });
  }

  private async start(at?: string): Promise<PlatformProcess> {
    const launched = launchPlatform({ ...this.engine.env, ...(at ? { DOGAN_FAULT_KILL_AT: at } : {}) });
    const started = await launched.started;
    if ('failed' in started) {
      launched.child.kill('SIGKILL');
      this.check(`the platform starts again${at ? ` (armed for ${at})` : ''}`, false, { output: started.failed.slice(-3000) });
      throw new Error(`${this.engine.name}: the platform did not start`);
    }
    this.node = started;
    return started;
  }

  private node: PlatformProcess | undefined;

  async run(): Promise<void> {
    try {
      await this.steps();
    } finally {
      await this.node?.kill();
    }
  }

  private async steps(): Promise<void> {
    let node = await this.start();
    const reference = await this.create(node, 'reference');
    this.check('a tenant created without a crash answers 201', reference.status === 201, reference.body);
    const ref = await this.record('reference');
    this.expectedMigrations = ref ? await this.migrations(String(ref.database_name)) : [];
    this.check('provisioning records migrations', this.expectedMigrations.length >= 3, this.expectedMigrations);

    for (const [i, point] of POINTS.entries()) {
      const subdomain = `crash-${i + 1}`;
      if (i > 0) node = await this.start(point.at);
      if (i > 0) await this.settled(node, POINTS[i - 1]!, `crash-${i}`);
      if (!point.at) await this.createAgainRolledBack(node);
      await this.kill(node, point, subdomain);
    }
    node = await this.start();
    await this.settled(node, POINTS.at(-1)!, `crash-${POINTS.length}`);
    await this.createAgainRolledBack(node);
    await this.noOrphans();
    await node.kill();
  }

  private async kill(node: PlatformProcess, point: KillPoint, subdomain: string): Promise<void> {
    const request = this.create(node, subdomain).then(
      (answer) => `answered ${answer.status}`,
      (err: Error) => err.message,
    );
    if (point.afterMs !== undefined) {
      await sleep(point.afterMs);
    } else {
      // Killed, the process drops the connection: the request fails first, the exit follows.
      const answer = await request;
      const how = answer.startsWith('answered') ? answer : await Promise.race([node.exited, sleep(15_000).then(() => 'still running')]);
      this.check(`the process dies at ${point.at}`, how === 'SIGKILL', { how, output: node.output().slice(-2000) });
    }
    await node.kill();
    await request;
  }

  /** After a restart: the tenant of `subdomain` is fully provisioned or fully gone. */
  private async settled(node: PlatformProcess, point: KillPoint, subdomain: string): Promise<void> {
    const record = await this.record(subdomain);
    if (!record) {
      const leftover = await this.leftoverDatabases();
      this.check(`killed ${point.label}: rolled back without leaving a database behind`, leftover.length === 0, leftover);
      this.outcome(point, leftover.length === 0 ? 'rolled back' : 'inconsistent');
      if (leftover.length === 0) this.rolledBack.push(subdomain);
      return;
    }
    const healthy = await this.serves(node, subdomain, String(record.database_name));
    this.check(`killed ${point.label}: the tenant that stayed is fully provisioned`, healthy.ok, { status: record.status, ...healthy });
    this.outcome(point, healthy.ok ? 'provisioned' : 'inconsistent');
  }

  private outcome(point: KillPoint, outcome: Outcome | 'inconsistent') {
    this.outcomes.push({ point: point.label, outcome });
    this.t.comment(`${this.engine.name}: killed ${point.label}: ${outcome}`);
  }

  /** Trial, database there and migrated, and its API answers a key of its own. */
  private async serves(node: PlatformProcess, subdomain: string, databaseName: string): Promise<{ ok: boolean; why?: unknown }> {
    const record = await this.record(subdomain);
    if (record?.status !== 'trial') return { ok: false, why: `status ${record?.status}` };
    if (!(await this.engine.tenantDatabases()).includes(databaseName)) return { ok: false, why: 'database missing' };
    const applied = await this.migrations(databaseName);
    if (applied.join() !== this.expectedMigrations.join()) return { ok: false, why: { applied } };
    const key = await call(node.url, 'POST', `/api/admin/tenants/${subdomain}/api-keys`, { headers: ADMIN, body: { name: 'crash test', scopes: ['read'] } });
    if (key.status !== 201) return { ok: false, why: { key } };
    const info = await call(node.url, 'GET', '/api/v1/tenant/info', { key: (key.body as { key: string }).key });
    return info.status === 200 && (info.body as { subdomain?: string }).subdomain === subdomain ? { ok: true } : { ok: false, why: { info } };
  }

  /** Subdomains rolled back so far are free: creating them again succeeds, and the new tenant serves. */
  private async createAgainRolledBack(node: PlatformProcess): Promise<void> {
    for (const subdomain of this.rolledBack.splice(0)) {
      const again = await this.create(node, subdomain);
      this.check(`${subdomain} can be created again after its roll-back`, again.status === 201, again.body);
      if (again.status !== 201) continue;
      const record = await this.record(subdomain);
      const healthy = await this.serves(node, subdomain, String(record?.database_name));
      this.check(`${subdomain}, created again, serves`, healthy.ok, healthy);
    }
  }

  /** Every tenant database (or file, with its side files) belongs to a tenant, and no record is left in provisioning. */
  private async noOrphans(): Promise<void> {
    const stuck = await this.engine.controlPlaneRows("SELECT subdomain FROM tenants WHERE status = 'provisioning'");
    this.check('no tenant is left in provisioning', stuck.length === 0, stuck);
    const leftover = await this.leftoverDatabases();
    this.check('no database or file is left without its tenant', leftover.length === 0, leftover);
  }

  private async leftoverDatabases(): Promise<string[]> {
    const names = new Set((await this.engine.controlPlaneRows('SELECT database_name FROM tenants')).map((r) => String(r.database_name)));
    return (await this.engine.tenantDatabases()).filter((d) => !names.has(d.replace(/-(wal|shm|journal)$/, '')));
  }

  private create(node: PlatformProcess, subdomain: string) {
    return call(node.url, 'POST', '/api/admin/tenants', { headers: ADMIN, body: { name: `Crash ${subdomain}`, subdomain } });
  }

  private async record(subdomain: string): Promise<Record<string, unknown> | undefined> {
    const rows = await this.engine.controlPlaneRows(`SELECT id, status, database_name FROM tenants WHERE subdomain = '${subdomain}'`);
    return rows[0];
  }

  private async migrations(databaseName: string): Promise<string[]> {
    return (await this.engine.tenantRows(databaseName, 'SELECT id FROM dogan_migrations ORDER BY id')).map((r) => String(r.id));
  }
}

// Two dozen starts take a few seconds each, many more on a loaded machine: a bound of its own.
t.setTimeout(600_000);

t.test('SIGKILL at any point of provisioning: after a restart each tenant is fully provisioned or fully gone', async (t) => {
  const engines: EngineName[] = ['sqlite'];
  const why = await postgresUnavailable();
  if (!why) engines.push('postgresql');
  else if (process.env.CI) t.fail(`${why}; CI must run the PostgreSQL variant`);
  else t.comment(`PostgreSQL variant skipped: ${why}`);

  const runs = await Promise.all(engines.map(async (name) => new CrashRun(t, await openEngine(name, (cleanup) => t.teardown(cleanup)))));
  // Settled, not all: one engine failing early must not leave the other's platform running unseen.
  for (const result of await Promise.allSettled(runs.map((run) => run.run()))) {
    if (result.status === 'rejected') t.fail((result.reason as Error)?.message ?? String(result.reason));
  }
  for (const run of runs) t.same(run.outcomes.filter((o) => o.outcome === 'inconsistent'), [], 'no kill left a half-provisioned tenant');
});
