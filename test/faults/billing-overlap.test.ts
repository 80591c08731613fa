import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { roundHalfUp } from '../billing/helpers/billing-kernel.js';
import { addMonths } from '../../plugins/billing/src/index.js';
import { chargesPerInvoice, chargesPerTenant, countBy, seedTenants, startBillingNodes, type BillingNode, type SeededTenant, type SeedSpec } from './billing-nodes.js';

/**
 * Issue 12, "money moves once": overlapping billing runs (two nodes' timers, two
 * `POST /api/admin/billing/run`, both at once, several times) over 100 tenants in mixed states must
 * bill each tenant exactly once for the period: one invoice, one payment, one charge at the
 * provider, invoice numbers 1..100 without a hole or a duplicate, and tenants with nothing due left
 * exactly as they were. On PostgreSQL two kernels share one control plane; SQLite is one node
 * (its file cannot be shared between machines), so there the overlap is runs on the same node.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = new Date('2026-03-10T12:00:00Z');
const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const MODULE_CHARGE = 5_000;

function specs(): SeedSpec[] {
  const out: SeedSpec[] = [];
  const ended = new Date(T0.getTime() - HOUR);
  const add = (n: number, make: (i: number) => SeedSpec) => {
    for (let i = 0; i < n; i++) out.push(make(i));
  };
  add(40, (i) => ({ group: 'trial-conversion', subdomain: `trial-${i}`, kind: 'trial', planId: 'starter', trialStartedAt: new Date(ended.getTime() - 14 * DAY), trialEndsAt: ended }));
  add(25, (i) => ({ group: 'renewal', subdomain: `renew-${i}`, kind: 'active', planId: 'starter', periodStart: addMonths(ended, -1) }));
  add(10, (i) => ({ group: 'renewal-with-module', subdomain: `module-${i}`, kind: 'active', planId: 'starter', periodStart: addMonths(ended, -1), pendingCharge: MODULE_CHARGE }));
  add(15, (i) => ({ group: 'pending-downgrade', subdomain: `down-${i}`, kind: 'active', planId: 'professional', periodStart: addMonths(ended, -1), pendingPlanId: 'starter' }));
  add(10, (i) => ({ group: 'yearly-to-monthly', subdomain: `cycle-${i}`, kind: 'active', planId: 'starter', cycle: 'yearly', periodStart: addMonths(ended, -12), pendingCycle: 'monthly' }));
  // Nothing is due for these: trials that end later, paid periods that end later.
  add(5, (i) => ({ group: 'untouched', subdomain: `quiet-trial-${i}`, kind: 'trial', planId: 'starter', trialStartedAt: new Date(T0.getTime() - 2 * DAY), trialEndsAt: new Date(T0.getTime() + 5 * DAY) }));
  add(5, (i) => ({ group: 'untouched', subdomain: `quiet-paid-${i}`, kind: 'active', planId: 'professional', periodStart: new Date(T0.getTime() - 10 * DAY), pendingPlanId: i % 2 ? 'starter' : null }));
  return out;
}

/** Every way a billing run starts, on every node, at once. */
function overlappingRuns(nodes: BillingNode[]): Promise<unknown[]> {
  const runs: Array<Promise<unknown>> = [];
  for (const node of nodes) {
    runs.push(node.billing.runCycle(), node.billing.runCycle());
    runs.push(node.app.inject({ method: 'POST', url: '/api/admin/billing/run', headers: ADMIN }).then((res) => {
      if (res.statusCode !== 200) throw new Error(`billing run answered ${res.statusCode}: ${res.body}`);
    }));
  }
  return Promise.all(runs);
}

/** What each group's invoice must come to, from the catalog's own prices and the SA VAT rate (half up). */
async function expectedTotals(node: BillingNode): Promise<Record<string, number>> {
  const { catalog } = node.billing;
  const starter = catalog.priceOf(await catalog.get('starter'), 'SAR').monthly;
  const rate = BigInt(await catalog.taxRate('SA'));
  const total = (subtotal: number) => Number(BigInt(subtotal) + roundHalfUp(BigInt(subtotal) * rate, 10_000n));
  return {
    'trial-conversion': total(starter),
    renewal: total(starter),
    'renewal-with-module': total(starter + MODULE_CHARGE),
    'pending-downgrade': total(starter),
    'yearly-to-monthly': total(starter),
  };
}

void forEachEngine(t, 'overlapping billing runs bill 100 tenants exactly once each, with gapless numbers', async (t, engine) => {
  const { nodes, clock, stripe } = await startBillingNodes(t, engine, { count: engine.name === 'postgresql' ? 2 : 1, start: T0 });
  const tenants = await seedTenants(nodes[0]!, specs(), T0);
  const billed = tenants.filter((x) => x.group !== 'untouched');
  const untouched = tenants.filter((x) => x.group === 'untouched');
  t.equal(billed.length, 100);
  const inList = (list: SeededTenant[]) => list.map((x) => `'${x.id}'`).join(',');
  const snapshot = async () => ({
    subscriptions: await engine.controlPlaneRows(`SELECT * FROM billing_subscriptions WHERE tenant_id IN (${inList(untouched)}) ORDER BY tenant_id`),
    tenants: await engine.controlPlaneRows(`SELECT id, status, plan FROM tenants WHERE id IN (${inList(untouched)}) ORDER BY id`),
  });
  const before = await snapshot();

  for (let round = 0; round < 3; round++) await overlappingRuns(nodes);

  const invoices = await engine.controlPlaneRows("SELECT id, tenant_id, number, status, total FROM billing_invoices WHERE kind = 'invoice'");
  const payments = await engine.controlPlaneRows("SELECT invoice_id, tenant_id, status FROM billing_payments WHERE status = 'succeeded'");
  const issuedPer = countBy(invoices.filter((i) => i.status !== 'draft' && i.status !== 'void'), (i) => String(i.tenant_id));
  const paidPer = countBy(payments, (p) => String(p.tenant_id));
  const chargedPer = chargesPerTenant(stripe);

  const wrong = billed.filter((x) => issuedPer.get(x.id) !== 1 || paidPer.get(x.id) !== 1 || chargedPer.get(x.id) !== 1);
  t.same(
    wrong.map((x) => ({ tenant: x.subdomain, invoices: issuedPer.get(x.id) ?? 0, payments: paidPer.get(x.id) ?? 0, charges: chargedPer.get(x.id) ?? 0 })),
    [],
    'every due tenant has exactly one invoice, one recorded payment and one charge at the provider',
  );
  const byGroup = countBy(wrong, (x) => x.group);
  t.same(Object.fromEntries(byGroup), {}, 'no group was billed twice or skipped');

  const chargedPerInvoice = chargesPerInvoice(stripe);
  t.same([...chargedPerInvoice.values()].filter((n) => n !== 1), [], 'no invoice was charged twice at the provider');
  t.equal(invoices.filter((i) => i.status === 'paid').length, 100, 'one hundred invoices, all paid');
  t.equal(invoices.filter((i) => i.status === 'draft').length, 0, 'no draft left behind');

  const numbers = invoices.map((i) => String(i.number)).filter((n) => n !== 'null').sort();
  const sequence = Array.from({ length: numbers.length }, (_, i) => `INV-2026-${String(i + 1).padStart(6, '0')}`);
  t.same(numbers, sequence, `invoice numbers run 1..${numbers.length} without a hole or a duplicate`);
  t.equal(numbers.length, 100);

  const totals = new Map(invoices.map((i) => [String(i.tenant_id), Number(i.total)]));
  const expected = await expectedTotals(nodes[0]!);
  const wrongTotal = billed.filter((x) => totals.get(x.id) !== expected[x.group]).map((x) => ({ tenant: x.subdomain, total: totals.get(x.id), expected: expected[x.group] }));
  t.same(wrongTotal, [], 'each invoice has the amount its change calls for (module charge included once)');
  const pendingLeft = await engine.controlPlaneRows('SELECT count(*) AS n FROM billing_pending_charges WHERE invoice_id IS NULL');
  t.equal(Number(pendingLeft[0]!.n), 0, 'every module charge went onto an invoice');

  const subs = await engine.controlPlaneRows(`SELECT tenant_id, status, plan_id, cycle, pending_plan_id, pending_cycle FROM billing_subscriptions WHERE tenant_id IN (${inList(billed)})`);
  const notActive = subs.filter((s) => s.status !== 'active' || s.pending_plan_id !== null || s.pending_cycle !== null || s.plan_id !== 'starter' || s.cycle !== 'monthly');
  t.same(notActive, [], 'every due subscription is active on its new plan and cycle, nothing pending');

  t.same(await snapshot(), before, 'tenants with nothing due are exactly as they were');
  const quiet = await engine.controlPlaneRows(`SELECT count(*) AS n FROM billing_invoices WHERE tenant_id IN (${inList(untouched)})`);
  t.equal(Number(quiet[0]!.n), 0, 'and have no invoice');

  // A later overlap, an hour on, still finds nothing to bill.
  clock.advance(HOUR);
  await overlappingRuns(nodes);
  const after = await engine.controlPlaneRows("SELECT count(*) AS n FROM billing_invoices WHERE kind = 'invoice'");
  t.equal(Number(after[0]!.n), invoices.length, 'running again bills nothing');
});
