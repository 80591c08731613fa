import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { PlatformEvent } from '@dogan/runtime';
import { forEachEngine } from '../helpers/engines.js';
import { eventually, ProbeConsumer, startEventsKernel, startNatsServer } from './helpers.js';

/**
 * NATS (the test's own server) stopped for 10 s and started again: `/ready` answers 200 "degraded"
 * meanwhile; events recorded during the outage wait in the outbox and are published once NATS is back,
 * by themselves; events JetStream had acknowledged before the outage, whose handling was cut off
 * (acks lost), are delivered again and applied once. Nothing acknowledged is lost, nothing applied twice.
 */

/** A consumer whose handler waits at a gate, so deliveries are in flight when NATS goes. */
class GatedConsumer extends ProbeConsumer {
  private open!: () => void;
  /** Deliveries that reached the handler (and wait at the gate until it opens). */
  entered = 0;
  gate = new Promise<void>((resolve) => (this.open = resolve));
  release(): void {
    this.open();
  }
  override async handle(event: PlatformEvent, ctx: { attempt: number }): Promise<void> {
    this.entered++;
    await this.gate;
    return super.handle(event, ctx);
  }
}

await forEachEngine(t, 'NATS outage', async (t, engine) => {
  const nats = await startNatsServer(t);
  const probe = new GatedConsumer('outage-probe', ['acme.outage.*']);
  const { kernel, outbox, api } = await startEventsKernel(t, engine, { consumers: [probe], env: { NATS_URL: nats.url } });
  const ready = async () => (await kernel.app.inject({ method: 'GET', url: '/ready' })).json() as { status: string; checks: Array<{ name: string; degraded?: string }> };
  const unsent = async () => (await api.data.controlPlane.query<{ n: number | string }>('SELECT count(*) AS n FROM event_outbox WHERE sent_at_ms IS NULL'))[0]!.n;
  t.equal((await ready()).status, 'ready', 'ready with NATS up');

  // Acknowledged by JetStream before the outage, still in the handler when NATS goes.
  const before = Array.from({ length: 10 }, (_, i) => ({ type: 'acme.outage.before', tenantId: null, payload: { i } }));
  await outbox.emit(before);
  t.ok(await eventually(async () => Number(await unsent()) === 0), 'published to JetStream (outbox rows marked sent)');
  t.ok(await eventually(() => probe.entered > 0), 'deliveries are in the handler, waiting at the gate');

  await nats.stop();
  const outageStarted = Date.now();
  t.ok(await eventually(async () => (await ready()).status === 'degraded', 5_000), '/ready says degraded while NATS is away');
  const res = await kernel.app.inject({ method: 'GET', url: '/ready' });
  t.equal(res.statusCode, 200, 'degraded is still 200: the node serves');
  t.match((await ready()).checks.find((c) => c.name === 'event bus'), { degraded: /unreachable|NATS/ });
  probe.release();

  // Recorded during the outage: acknowledged by the outbox (committed), not by NATS.
  let during = 0;
  while (Date.now() - outageStarted < 10_000) {
    await outbox.emit([{ type: 'acme.outage.during', tenantId: null, payload: { i: during++ } }]);
    await sleep(500);
  }
  t.ok(Number(await unsent()) > 0, `events recorded during the outage wait in the outbox (${during} recorded)`);
  t.equal((await ready()).status, 'degraded', 'still degraded after 10 s');

  await nats.start();
  t.ok(await eventually(async () => (await ready()).status === 'ready', 15_000, 100), '/ready is ready again once NATS is back');
  const total = before.length + during;
  t.ok(await eventually(() => probe.applied.size === total, 30_000, 100), `every event applied: ${probe.applied.size}/${total}`);
  t.equal(Number(await unsent()), 0, 'the outbox drained by itself');
  await sleep(1_000);
  t.same(
    [...probe.applied.values()].filter((n) => n !== 1),
    [],
    'each applied exactly once',
  );
  t.equal(probe.events.filter((e) => e.type === 'acme.outage.during').length, during, 'every event of the outage arrived');
});
