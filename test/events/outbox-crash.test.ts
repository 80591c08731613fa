import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { call, waitFor } from '../faults/helpers.js';
import { launchPlatform, startPlatform } from '../faults/platform-process.js';
import { startNatsServer } from './helpers.js';

/**
 * The platform as `dogan start` runs it, killed with SIGKILL between the commit of an event and its
 * publication (DOGAN_FAULT_KILL_AT, plugins/events/src/fault-injection.ts), then killed again right
 * after publishing it but before marking it sent, then started clean on the same data dir and
 * databases: the event, recorded in a tenant's database, is published from the outbox after the
 * restarts and applied exactly once. On both engines, with the in-process bus and with JetStream.
 */

const FIXTURE = new URL('./fixtures/crash-probe-plugin.ts', import.meta.url).pathname;
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const KILL = 'outbox-relay-publish:acme.crash.happened';

function lines(dir: string, file: string): string[] {
  const path = join(dir, file);
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

async function crashRun(t: Test, engine: TestEngine, bus: 'in-process' | 'jetstream') {
  const env: Record<string, string> = { ...engine.env, DOGAN_PLUGINS: `all,${FIXTURE}`, LOG_LEVEL: process.env.CRASH_LOG ?? 'warn' };
  if (bus === 'jetstream') env.NATS_URL = (await startNatsServer(t)).url;
  const dir = engine.dataDir;
  const eventId = `crash-${bus}-${engine.name}`.slice(0, 36);

  // 1. Committed, then killed before publishing.
  const first = await startPlatform({ ...env, DOGAN_FAULT_KILL_AT: `${KILL}:before` });
  const tenant = await call(first.url, 'POST', '/api/admin/tenants', { headers: ADMIN, body: { name: 'Crash', subdomain: `crash-${bus}`.slice(0, 30) } });
  t.equal(tenant.status, 201, 'tenant created', { body: tenant.body });
  const tenantId = (tenant.body as { id: string }).id;
  await call(first.url, 'POST', '/api/admin/test/crash-events', { headers: ADMIN, body: { id: eventId, tenant: tenantId } }).catch(() => undefined);
  t.equal(await first.exited, 'SIGKILL', 'killed between commit and publish');
  t.same(lines(dir, 'crash-probe-deliveries.log'), [], 'nothing was delivered');

  // 2. Restarted armed after the publish: relays the event from the outbox, then dies before marking it sent.
  const second = launchPlatform({ ...env, DOGAN_FAULT_KILL_AT: `${KILL}:after` });
  t.equal(await second.exited, 'SIGKILL', 'killed after publishing, before marking sent');

  // 3. Clean restart: the event is published again (it is still unsent) and applied once.
  const third = await startPlatform(env);
  t.teardown(() => third.kill());
  t.ok(await waitFor(async () => lines(dir, 'crash-probe-applied.log').includes(eventId), 45_000), 'the event reached its consumer after the restarts', {
    output: third.output().slice(-2000),
  });
  await new Promise((r) => setTimeout(r, 1_500));
  t.same(lines(dir, 'crash-probe-applied.log'), [eventId], 'applied exactly once');
  const deliveries = lines(dir, 'crash-probe-deliveries.log');
  t.ok(deliveries.length >= 1, `delivered ${deliveries.length} time(s): ${deliveries.join(' | ')}`);

  // A new event on the clean node goes through once, at once.
  const ok = await call(third.url, 'POST', '/api/admin/test/crash-events', { headers: ADMIN, body: { id: `${eventId}-2`.slice(0, 36) } });
  t.equal(ok.status, 200);
  t.ok(await waitFor(async () => lines(dir, 'crash-probe-applied.log').length === 2, 20_000), 'a later event is applied too');
  await third.kill();
}

// CRASH_BUS=jetstream / CRASH_ENGINE=sqlite narrow a run while debugging one variant; unset, all four run.
for (const bus of (process.env.CRASH_BUS ? [process.env.CRASH_BUS] : ['in-process', 'jetstream']) as Array<'in-process' | 'jetstream'>) {
  await forEachEngine(t, `outbox crash, ${bus} bus`, (t, engine) => crashRun(t, engine, bus), { engines: process.env.CRASH_ENGINE ? [process.env.CRASH_ENGINE as 'sqlite'] : undefined });
}
