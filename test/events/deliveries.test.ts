import t, { type Test } from 'tap';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { eventually, ProbeConsumer, startEventsKernel, startNatsServer } from './helpers.js';

/**
 * At-least-once delivery, applied once, on both buses and both engines: a handler that fails twice
 * then succeeds is delivered three times and applied once, and a second publication of the same event
 * (the relay publishing again after a crash) is not applied again. A handler that keeps failing lands
 * in the dead-letter list, which its tenant's admin reads and replays once; another tenant sees
 * nothing of it.
 */

async function suite(t: Test, engine: TestEngine, bus: 'in-process' | 'jetstream') {
  const env: Record<string, string> = {};
  if (bus === 'jetstream') env.NATS_URL = (await startNatsServer(t)).url;
  const flaky = new ProbeConsumer('flaky', ['acme.flaky.*']);
  flaky.failFirst = 2;
  const broken = new ProbeConsumer('broken.receiver', ['acme.broken.*'], 3);
  broken.alwaysFail = true;
  const { kernel, api, outbox, bus: eventBus } = await startEventsKernel(t, engine, { consumers: [flaky, broken], env });

  await t.test('failing twice then succeeding: delivered three times, applied once', async (t) => {
    await outbox.emit([{ id: `flaky-${bus}-1`, type: 'acme.flaky.happened', tenantId: null, payload: { n: 1 } }]);
    t.ok(await eventually(() => flaky.applied.has(`flaky-${bus}-1`)), 'applied in the end');
    t.same(flaky.deliveriesOf(`flaky-${bus}-1`), [1, 2, 3], 'three deliveries, attempts numbered');
    t.equal(flaky.applied.get(`flaky-${bus}-1`), 1, 'applied once');

    // The same event published again (the relay after a crash, past any duplicate window): not applied again.
    const event = flaky.events.find((e) => e.id === `flaky-${bus}-1`)!;
    await eventBus.publish(event);
    await new Promise((r) => setTimeout(r, 600));
    t.equal(flaky.applied.get(`flaky-${bus}-1`), 1, 'still applied once after a second publication');
  });

  await t.test('dead letters: a tenant admin reads and replays its own; another tenant sees nothing', async (t) => {
    const a = await createTenantWithKey(kernel.app, { name: 'Dead A', subdomain: `dead-a-${bus}-${engine.name}`.slice(0, 40) });
    const b = await createTenantWithKey(kernel.app, { name: 'Dead B', subdomain: `dead-b-${bus}-${engine.name}`.slice(0, 40) });
    const tenantA = await api.tenants.get(a.id);
    await (await api.data.of(tenantA)).transaction((tx) => outbox.record(tx, [{ type: 'acme.broken.happened', tenantId: a.id, payload: { order: 42 } }]));

    const list = async (headers: Record<string, string>, tenant: string) => kernel.app.inject({ method: 'GET', url: `/api/v1/${tenant}/events/dead-letters`, headers });
    t.ok(
      await eventually(async () => ((await list(a.headers, a.subdomain)).json() as { total: number }).total === 1, 15_000, 100),
      'the event is a dead letter after its deliveries',
    );
    t.same(broken.deliveries.map((d) => d.attempt), [1, 2, 3], 'delivered maxDeliver (3) times');
    const page = (await list(a.headers, a.subdomain)).json() as { items: Array<Record<string, unknown>> };
    const letter = page.items[0]!;
    t.match(letter, { consumer: 'broken.receiver', type: 'acme.broken.happened', payload: { order: 42 }, attempts: 3, lastError: 'the receiver is down', replayedAt: null });

    const other = await list(b.headers, b.subdomain);
    t.equal(other.statusCode, 200);
    t.same(other.json(), { items: [], total: 0 }, 'the second tenant sees nothing');
    const crossed = await kernel.app.inject({ method: 'GET', url: `/api/v1/${a.subdomain}/events/dead-letters`, headers: b.headers });
    t.equal(crossed.statusCode, 403, "the second tenant's key cannot read the first's list");
    const replayByB = await kernel.app.inject({ method: 'POST', url: `/api/v1/${b.subdomain}/events/dead-letters/${String(letter.id)}/replay`, headers: b.headers });
    t.equal(replayByB.statusCode, 404);
    t.equal(replayByB.json().code, 'DEAD_LETTER_NOT_FOUND', "the second tenant cannot replay the first's letter");

    const replay = (headers: Record<string, string>) => kernel.app.inject({ method: 'POST', url: `/api/v1/${a.subdomain}/events/dead-letters/${String(letter.id)}/replay`, headers });
    const failed = await replay(a.headers);
    t.equal(failed.statusCode, 409);
    t.equal(failed.json().code, 'DEAD_LETTER_REPLAY_FAILED', 'a replay that fails again says so and keeps the letter');
    t.match(failed.headers['content-type'], /application\/problem\+json/);

    broken.alwaysFail = false;
    const replayed = await replay(a.headers);
    t.equal(replayed.statusCode, 200, 'replayed once the receiver is back');
    t.equal(broken.applied.size, 1, 'applied');
    const again = await replay(a.headers);
    t.equal(again.statusCode, 409);
    t.equal(again.json().code, 'DEAD_LETTER_ALREADY_REPLAYED', 'nothing is sent twice');
    t.equal(broken.applied.size, 1);

    const readOnly = await kernel.app.inject({ method: 'POST', url: `/api/admin/tenants/${a.id}/api-keys`, headers: { authorization: `Bearer test-admin-token-0123456789abcdef` }, payload: { name: 'ro', scopes: ['read'] } });
    const roKey = (readOnly.json() as { key: string }).key;
    const refused = await list({ authorization: `Bearer ${roKey}` }, a.subdomain);
    t.equal(refused.statusCode, 403, 'reading dead letters needs the admin scope');
    const badId = await kernel.app.inject({ method: 'POST', url: `/api/v1/${a.subdomain}/events/dead-letters/not-an-id/replay`, headers: a.headers });
    t.equal(badId.statusCode, 400, 'a malformed id is a 400');
  });
}

for (const bus of ['in-process', 'jetstream'] as const) {
  await forEachEngine(t, `deliveries on the ${bus} bus`, (t, engine) => suite(t, engine, bus));
}
