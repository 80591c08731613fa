import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import type { LightMyRequestResponse } from 'fastify';
import { forEachEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { chargesPerInvoice, chargesPerTenant, startBillingNodes, type BillingNode } from './billing-nodes.js';

/**
 * Issue 12: one `POST /billing/subscription` (or `/pay`) reaching two nodes at once must move
 * money once. With an `Idempotency-Key` both answers agree (the second is a replay, or "in
 * progress" until the first is done); without one, the subscription row is claimed, so the change
 * is billed once and the other request is refused. On SQLite both requests go to one node.
 */

const DAY = 86_400_000;

interface Sent {
  status: number;
  json: Record<string, unknown>;
  replayed: boolean;
  retryAfter: string | undefined;
}

function sentOf(res: LightMyRequestResponse): Sent {
  return { status: res.statusCode, json: res.json(), replayed: res.headers['idempotent-replayed'] === 'true', retryAfter: res.headers['retry-after'] as string | undefined };
}

async function post(node: BillingNode, url: string, headers: Record<string, string>, payload?: unknown, key?: string): Promise<Sent> {
  const res = await node.app.inject({ method: 'POST', url, headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return sentOf(res);
}

/** Sends with a key and, like a well-behaved client, retries while the key is in progress elsewhere. */
async function postUntilSettled(node: BillingNode, url: string, headers: Record<string, string>, payload: unknown, key: string): Promise<Sent & { waited: boolean }> {
  let waited = false;
  for (let i = 0; i < 400; i++) {
    const answer = await post(node, url, headers, payload, key);
    if (answer.json.code !== 'IDEMPOTENCY_KEY_IN_PROGRESS') return { ...answer, waited };
    waited = true;
    await sleep(25);
  }
  throw new Error(`key ${key} stayed in progress`);
}

void forEachEngine(t, 'a money-moving request reaching two nodes at once moves money once', async (t, engine) => {
  const { nodes, clock, stripe } = await startBillingNodes(t, engine, { count: engine.name === 'postgresql' ? 2 : 1, start: new Date('2026-04-01T08:00:00Z') });
  const a = nodes[0]!;
  const b = nodes[nodes.length - 1]!;
  const invoicesOf = async (tenantId: string) =>
    engine.controlPlaneRows(`SELECT id, number, status, total FROM billing_invoices WHERE tenant_id = '${tenantId}' AND kind = 'invoice' AND status <> 'draft' ORDER BY number`);

  await t.test('with one Idempotency-Key: one charge, and both answers agree', async (t) => {
    const alpha = await createTenantWithKey(a.app, { name: 'Alpha', subdomain: 'alpha' });
    const card = await a.app.inject({ method: 'PUT', url: '/api/v1/alpha/billing/payment-method', headers: alpha.headers, payload: { paymentMethod: 'pm_card_visa' } });
    t.equal(card.statusCode, 200, card.body);
    const url = '/api/v1/alpha/billing/subscription';
    const [first, second] = await Promise.all([
      postUntilSettled(a, url, alpha.headers, { plan: 'professional' }, 'start-alpha-1'),
      postUntilSettled(b, url, alpha.headers, { plan: 'professional' }, 'start-alpha-1'),
    ]);
    t.equal(first.status, 200, "node A answers 200", { body: first.json });
    t.equal(second.status, 200, "node B answers 200", { body: second.json });
    t.same(second.json, first.json, 'both nodes answer the same');
    t.equal([first, second].filter((x) => x.replayed).length, 1, 'one answer is the replay of the other');
    t.equal((await invoicesOf(alpha.id)).length, 1, 'one invoice');
    t.equal(chargesPerTenant(stripe).get(alpha.id), 1, 'one charge at the provider');

    const again = await post(b, url, alpha.headers, { plan: 'professional' }, 'start-alpha-1');
    t.equal(again.status, 200);
    t.ok(again.replayed, 'a later repeat is a replay (Idempotent-Replayed: true)');
    t.same(again.json, first.json);
    const reused = await post(a, url, alpha.headers, { plan: 'enterprise' }, 'start-alpha-1');
    t.equal(reused.status, 422);
    t.equal(reused.json.code, 'IDEMPOTENCY_KEY_REUSED', 'the same key with another request is refused');

    clock.advance(3 * DAY);
    const [up1, up2] = await Promise.all([
      postUntilSettled(a, url, alpha.headers, { plan: 'enterprise' }, 'upgrade-alpha-1'),
      postUntilSettled(b, url, alpha.headers, { plan: 'enterprise' }, 'upgrade-alpha-1'),
    ]);
    t.equal(up1.status, 200, "the upgrade answers 200", { body: up1.json });
    t.same(up2.json, up1.json, 'the upgrade: both nodes answer the same');
    t.equal((up1.json.invoice as { lines: Array<{ kind: string }> }).lines[0]!.kind, 'proration');
    t.equal((await invoicesOf(alpha.id)).length, 2, 'one proration invoice');
    t.equal(chargesPerTenant(stripe).get(alpha.id), 2, 'one proration charge');
  });

  await t.test('without a key: the subscription row is claimed, so a change is billed once', async (t) => {
    const beta = await createTenantWithKey(a.app, { name: 'Beta', subdomain: 'beta' });
    await a.app.inject({ method: 'PUT', url: '/api/v1/beta/billing/payment-method', headers: beta.headers, payload: { paymentMethod: 'pm_card_visa' } });
    const url = '/api/v1/beta/billing/subscription';
    for (const [plan, invoices] of [['starter', 1], ['professional', 2]] as const) {
      const answers = await Promise.all([post(a, url, beta.headers, { plan }), post(b, url, beta.headers, { plan })]);
      const ok = answers.filter((x) => x.status === 200);
      t.equal(ok.length, 1, `${plan}: one request made the change`, { answers: answers.map((x) => [x.status, x.json.code]) });
      const refused = answers.find((x) => x.status !== 200) ?? answers[1]!;
      t.equal(refused.status, 409, `${plan}: the other is refused`);
      t.ok(['SUBSCRIPTION_BUSY', 'SUBSCRIPTION_UNCHANGED'].includes(String(refused.json.code)), `${plan}: because the change is in progress or already made (${String(refused.json.code)})`);
      if (refused.json.code === 'SUBSCRIPTION_BUSY') t.equal(refused.retryAfter, '1', `${plan}: "in progress" says when to retry`);
      t.equal((await invoicesOf(beta.id)).length, invoices, `${plan}: billed once`);
      t.equal(chargesPerTenant(stripe).get(beta.id), invoices, `${plan}: charged once`);
      clock.advance(DAY);
    }
  });

  await t.test('paying an open invoice on two nodes at once takes one payment', async (t) => {
    const gamma = await createTenantWithKey(a.app, { name: 'Gamma', subdomain: 'gamma' });
    const card = (paymentMethod: string) => a.app.inject({ method: 'PUT', url: '/api/v1/gamma/billing/payment-method', headers: gamma.headers, payload: { paymentMethod } });
    await card('pm_card_mastercard');
    const started = await post(a, '/api/v1/gamma/billing/subscription', gamma.headers, { plan: 'starter' });
    t.equal(started.status, 200, "gamma starts", { body: started.json });
    await card('pm_card_chargeDeclined');
    clock.set(Date.parse(String((started.json.subscription as { currentPeriodEnd: string }).currentPeriodEnd)) + 1000);
    await a.billing.runCycle();
    const open = (await invoicesOf(gamma.id)).find((i) => i.status === 'issued');
    t.ok(open, 'the renewal is open after a declined charge');
    await card('pm_card_mastercard');
    const url = `/api/v1/gamma/billing/invoices/${String(open!.number)}/pay`;
    const [p1, p2] = await Promise.all([postUntilSettled(a, url, gamma.headers, undefined, 'pay-gamma-1'), postUntilSettled(b, url, gamma.headers, undefined, 'pay-gamma-1')]);
    t.equal(p1.status, 200, "the payment answers 200", { body: p1.json });
    t.same(p2.json, p1.json, 'both answers agree');
    t.equal((p1.json.invoice as { status: string }).status, 'paid');
    t.equal(chargesPerInvoice(stripe).get(String(open!.id)), 1, 'one charge for the invoice');
    const unkeyed = await Promise.all([post(a, url, gamma.headers), post(b, url, gamma.headers)]);
    t.same(unkeyed.map((x) => x.status), [200, 200], 'paying a paid invoice again is harmless');
    t.equal(chargesPerInvoice(stripe).get(String(open!.id)), 1, 'and charges nothing');
    const succeeded = await engine.controlPlaneRows(`SELECT count(*) AS n FROM billing_payments WHERE invoice_id = '${String(open!.id)}' AND status = 'succeeded'`);
    t.equal(Number(succeeded[0]!.n), 1, 'one succeeded payment recorded');
  });
});
