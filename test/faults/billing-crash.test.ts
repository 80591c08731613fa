import t from 'tap';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { addMonths } from '../../plugins/billing/src/index.js';
import { BillingCustomerSchema } from '../../plugins/billing/src/entities/index.js';
import { chargesPerTenant, seedTenant, startBillingNodes, type BillingNode } from './billing-nodes.js';

/**
 * Issue 12, crash safety: a node that dies after claiming a money-moving step (the claim is made,
 * money has or has not moved) must not leave the step stuck forever, and the run that finishes it
 * must not bill twice: it completes the collection of the invoice the dead node created. A "death"
 * is a step that throws (or never returns) at the chosen point; "later" is the clock moved past
 * every lease (15 minutes, longer than any claim is held).
 */

const HOUR = 3_600_000;
const LATER = 15 * 60_000;
const T0 = new Date('2026-06-10T12:00:00Z');

/**
 * The node dies at `name`: the call never returns, as if the process had stopped there (nothing
 * after it runs, no error handler, no clean-up). `reached` resolves when it got there.
 */
function dieAt<T extends object, K extends keyof T>(target: T, name: K): { reached: Promise<void>; restore(): void } {
  const original = target[name];
  let arrived!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  (target as Record<K, unknown>)[name] = () => {
    arrived();
    return new Promise<never>(() => undefined);
  };
  return { reached, restore: () => void ((target as Record<K, unknown>)[name] = original) };
}

/** The call fails once with an error (the node lives on and answers its caller). */
function failOnce<T extends object, K extends keyof T>(target: T, name: K): { restore(): void } {
  const original = target[name];
  (target as Record<K, unknown>)[name] = async () => {
    (target as Record<K, unknown>)[name] = original;
    throw new Error('a failure before any charge');
  };
  return { restore: () => void ((target as Record<K, unknown>)[name] = original) };
}

async function rowsOf(engine: TestEngine, tenantId: string) {
  return {
    invoices: await engine.controlPlaneRows(`SELECT id, number, status FROM billing_invoices WHERE tenant_id = '${tenantId}' AND kind = 'invoice'`),
    payments: await engine.controlPlaneRows(`SELECT status, attempt FROM billing_payments WHERE tenant_id = '${tenantId}' ORDER BY attempt`),
    subscription: (await engine.controlPlaneRows(`SELECT status, plan_id FROM billing_subscriptions WHERE tenant_id = '${tenantId}'`))[0]!,
    tenant: (await engine.controlPlaneRows(`SELECT status FROM tenants WHERE id = '${tenantId}'`))[0]!,
  };
}

void forEachEngine(t, 'a money-moving step whose node died is finished by a later run, and billed once', async (t, engine) => {
  const { nodes, clock, stripe } = await startBillingNodes(t, engine, { count: 1, start: T0 });
  const node: BillingNode = nodes[0]!;
  const { billing } = node;
  const ended = () => new Date(clock.now().getTime() - HOUR);

  await t.test('trial conversion: died after issuing the invoice, before collecting it', async (t) => {
    const x = await seedTenant(node, { group: 'x', subdomain: 'died-converting', kind: 'trial', planId: 'starter', trialStartedAt: new Date(ended().getTime() - 14 * 24 * HOUR), trialEndsAt: ended() }, clock.now());
    const death = dieAt(billing.payments, 'collect');
    void billing.runCycle();
    await death.reached;
    death.restore();
    let now = await rowsOf(engine, x.id);
    t.same(now.invoices.map((i) => i.status), ['issued'], 'the dead node issued one invoice');
    t.equal(now.payments.length, 0, 'and took no payment');
    t.equal(now.subscription.status, 'trialing', 'a conversion that did not finish does not expire the trial');
    t.equal(now.tenant.status, 'trial', 'nor the tenant');

    await billing.runCycle();
    now = await rowsOf(engine, x.id);
    t.equal(now.invoices.length, 1, 'a run while the claim is fresh leaves it to its owner');
    t.equal(chargesPerTenant(stripe).get(x.id) ?? 0, 0);

    clock.advance(LATER);
    await billing.runCycle();
    now = await rowsOf(engine, x.id);
    t.same(now.invoices.map((i) => i.status), ['paid'], 'a later run collects the same invoice');
    t.same(now.payments.map((p) => p.status), ['succeeded']);
    t.equal(chargesPerTenant(stripe).get(x.id), 1, 'one charge');
    t.equal(now.subscription.status, 'active');
    t.equal(now.tenant.status, 'active');
  });

  await t.test('renewal: died after drafting the invoice, before issuing it', async (t) => {
    const x = await seedTenant(node, { group: 'x', subdomain: 'died-drafting', kind: 'active', planId: 'starter', periodStart: addMonths(ended(), -1) }, clock.now());
    const death = dieAt(billing.invoices, 'issue');
    void billing.runCycle();
    await death.reached;
    death.restore();
    let now = await rowsOf(engine, x.id);
    t.same(now.invoices.map((i) => i.status), ['draft'], 'the dead node left a draft');
    await billing.runCycle();
    t.same((await rowsOf(engine, x.id)).invoices.map((i) => i.status), ['draft'], 'a run while the claim is fresh drafts nothing more');

    clock.advance(LATER);
    await billing.runCycle();
    now = await rowsOf(engine, x.id);
    t.same(now.invoices.map((i) => i.status), ['paid'], 'a later run issues and collects that draft');
    t.equal(chargesPerTenant(stripe).get(x.id), 1, 'one charge');
    const numbers = (await engine.controlPlaneRows("SELECT number FROM billing_invoices WHERE number IS NOT NULL ORDER BY number")).map((r) => r.number);
    t.same(numbers, ['INV-2026-000001', 'INV-2026-000002'], 'numbers stay gapless');
  });

  await t.test('renewal: died after the provider took the money, before it was recorded', async (t) => {
    const x = await seedTenant(node, { group: 'x', subdomain: 'died-recording', kind: 'active', planId: 'starter', periodStart: addMonths(ended(), -1) }, clock.now());
    const death = dieAt(billing.payments, 'succeed');
    void billing.runCycle();
    await death.reached;
    death.restore();
    let now = await rowsOf(engine, x.id);
    t.same(now.invoices.map((i) => i.status), ['issued'], 'the invoice is not recorded as paid');
    t.equal(chargesPerTenant(stripe).get(x.id), 1, 'though the provider took the money');

    clock.advance(LATER);
    await billing.runCycle();
    now = await rowsOf(engine, x.id);
    t.same(now.invoices.map((i) => i.status), ['paid'], 'a later run asks again with the same key and records the payment');
    t.same(now.payments.map((p) => p.status), ['succeeded'], 'one payment');
    t.equal(chargesPerTenant(stripe).get(x.id), 1, 'and the provider charged once');
  });

  await t.test('dunning retry: died after claiming the retry', async (t) => {
    const x = await seedTenant(node, { group: 'x', subdomain: 'died-dunning', kind: 'active', planId: 'starter', periodStart: addMonths(ended(), -1) }, clock.now());
    const cards = node.api.controlPlane.em.fork();
    await cards.nativeUpdate(BillingCustomerSchema, { tenantId: x.id }, { paymentMethod: 'pm_card_chargeDeclined' });
    await billing.runCycle();
    let now = await rowsOf(engine, x.id);
    t.same(now.payments.map((p) => p.status), ['failed'], 'the renewal charge was declined');
    await cards.nativeUpdate(BillingCustomerSchema, { tenantId: x.id }, { paymentMethod: 'pm_card_visa' });

    clock.advance(24 * HOUR + 1000);
    // The retry never comes back: the node is gone with the claim in hand.
    const death = dieAt(billing.payments, 'collect');
    void billing.runCycle();
    await death.reached;
    death.restore();
    await billing.runCycle();
    now = await rowsOf(engine, x.id);
    t.equal(now.payments.length, 1, 'a run while the retry is claimed does not retry too');

    clock.advance(LATER);
    await billing.runCycle();
    now = await rowsOf(engine, x.id);
    t.same(now.invoices.map((i) => i.status), ['paid'], 'a later run makes the retry');
    t.same(now.payments.map((p) => p.status), ['failed', 'succeeded']);
    t.equal(chargesPerTenant(stripe).get(x.id), 1, 'one successful charge');
  });
  await t.test("a client's change that fails before any charge is undone, not finished later behind its back", async (t) => {
    const x = await seedTenant(node, { group: 'x', subdomain: 'client-failed', kind: 'trial', planId: 'starter', trialStartedAt: clock.now(), trialEndsAt: new Date(clock.now().getTime() + 10 * 24 * HOUR) }, clock.now());
    const tenant = await node.api.tenants.get(x.id);
    const failure = failOnce(billing.invoices, 'issue');
    await t.rejects(billing.subscriptions.change(tenant, { plan: 'professional' }, 'test'), 'the caller is told it failed');
    failure.restore();
    let now = await rowsOf(engine, x.id);
    t.same(now.invoices, [], 'no invoice is left behind (the draft is gone)');
    t.equal(now.subscription.status, 'trialing', 'the subscription is as it was');
    const held = await engine.controlPlaneRows(`SELECT operation_id FROM billing_subscriptions WHERE tenant_id = '${x.id}'`);
    t.equal(held[0]!.operation_id, null, 'and free for the next change');

    clock.advance(LATER);
    await billing.runCycle();
    t.same((await rowsOf(engine, x.id)).invoices, [], 'a later run does not finish the failed change');

    const again = await billing.subscriptions.change(tenant, { plan: 'professional' }, 'test');
    t.equal(again.effect, 'started', 'asking again works');
    now = await rowsOf(engine, x.id);
    t.same(now.invoices.map((i) => i.status), ['paid']);
    t.equal(chargesPerTenant(stripe).get(x.id), 1, 'and charges once');
  });
});
