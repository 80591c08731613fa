import pg from 'pg';
import t from 'tap';
import { forEachEngine, withEngine, POSTGRES_ADMIN_URL } from '../helpers/engines.js';
import { openSchedulerNode, waitFor } from './helpers.js';

/**
 * Named leases on both control-plane engines: one holder at a time across nodes (and no second hold
 * on the holder's own node), free again when released, and on PostgreSQL lost the moment the lease
 * connection is, so two nodes never both believe they hold one.
 */

void forEachEngine(t, 'a lease has one holder at a time and is free again once released', async (t, engine) => {
  const [a, b] = [await openSchedulerNode(t, engine), await openSchedulerNode(t, engine)];
  t.equal(a.leases.mechanism, engine.name === 'postgresql' ? 'postgresql-advisory-lock' : 'sqlite-lease-row');
  const held = await a.leases.tryAcquire('schedule:billing_cycle');
  t.ok(held, 'the first node takes it');
  t.equal(await b.leases.tryAcquire('schedule:billing_cycle'), undefined, 'the second does not');
  t.equal(await a.leases.tryAcquire('schedule:billing_cycle'), undefined, 'nor does the holder take it twice');
  const other = await b.leases.tryAcquire('schedule:tenant_sweep');
  t.ok(other, 'another name is another lease');

  await held!.release();
  t.ok(held!.signal.aborted, 'a released lease aborts its signal');
  const taken = await b.leases.tryAcquire('schedule:billing_cycle');
  t.ok(taken, 'released, the other node takes it at once');
  await held!.release();
  t.equal(await a.leases.tryAcquire('schedule:billing_cycle'), undefined, 'releasing twice gives up nothing of the new holder\'s');

  // Two nodes reaching for a free lease at the same instant: one gets it.
  await taken!.release();
  const race = await Promise.all([a.leases.tryAcquire('race'), b.leases.tryAcquire('race'), a.leases.tryAcquire('race')]);
  t.equal(race.filter(Boolean).length, 1, 'of three attempts at once, exactly one holds the lease');

  await b.close();
  t.ok(other!.signal.aborted, 'closing the lease service gives up its leases');
  t.ok(await a.leases.tryAcquire('schedule:tenant_sweep'), 'which other nodes may then take');
});

void withEngine(t, 'on PostgreSQL a lease is lost with its connection, and another node may take it', 'postgresql', async (t, engine) => {
  const [a, b] = [await openSchedulerNode(t, engine), await openSchedulerNode(t, engine)];
  const lease = await a.leases.tryAcquire('schedule:billing_cycle');
  t.ok(lease);
  const role = new URL(engine.env.DATABASE_URL!).username;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  t.teardown(() => admin.end());
  // A failover, a restart, an administrator: the server ends the lease session.
  const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'dogan-leases' AND usename = $1", [role]);
  t.equal(rowCount, 1, 'one lease connection, ended');
  await waitFor('the lease to be lost', () => lease!.signal.aborted, 5_000);
  t.match(String((lease!.signal.reason as Error).message), /lost/, 'its signal says it was lost');
  t.ok(await b.leases.tryAcquire('schedule:billing_cycle'), 'the other node takes it');
  t.equal(await a.leases.tryAcquire('schedule:billing_cycle'), undefined, 'the first node, connected again, finds it held');
  t.ok(await a.leases.tryAcquire('schedule:tenant_sweep'), 'and takes other leases on its new connection');
});
