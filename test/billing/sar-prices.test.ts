import t from 'tap';
import { SEED_PLANS } from '../../plugins/billing/src/index.js';
import { correctedSarPricing, sarFromUsd, sarPlanPrice } from '../../plugins/billing/src/plans/sar-prices.js';

t.test('dollars become riyals at the 3.75 peg, in halalas, rounded up', async (t) => {
  t.equal(sarFromUsd(100), 375, '$1.00 = 3.75 SAR');
  t.equal(sarFromUsd(1), 4, '$0.01 = 3.75 halalas → 4');
  t.equal(sarFromUsd(500), 1_875, '$5.00 = 18.75 SAR, exact');
  t.equal(sarFromUsd(9_900, 500), 37_500, '$99 = 371.25 → the 375 SAR price point');
  t.same(sarPlanPrice({ monthly: 29_900, yearly: 299_000 }), { monthly: 112_500, yearly: 1_125_000 }, 'a year is still ten months');
  t.throws(() => sarFromUsd(1.5), RangeError, 'money is whole minor units');
});

t.test('the seed: USD as the original priced it, SAR converted', async (t) => {
  t.same(SEED_PLANS.map((p) => [p.id, p.prices.USD!.monthly, p.prices.SAR!.monthly]), [
    ['starter', 9_900, 37_500],
    ['professional', 29_900, 112_500],
    ['enterprise', 99_900, 375_000],
  ]);
  for (const p of SEED_PLANS) t.same(p.overage.SAR, { apiCallsPer1000: 4, storagePerGb: 1_875 });
});

t.test('a plan stored by the old seed (dollar figures under SAR) is corrected; an admin price is not', async (t) => {
  const seed = SEED_PLANS[0]!;
  const legacy = { prices: { SAR: { monthly: 9_900, yearly: 99_000 }, USD: { monthly: 9_900, yearly: 99_000 } }, overage: { SAR: { apiCallsPer1000: 1, storagePerGb: 500 }, USD: { apiCallsPer1000: 1, storagePerGb: 500 } } };
  t.same(correctedSarPricing(legacy, seed), { prices: { ...legacy.prices, SAR: seed.prices.SAR }, overage: { ...legacy.overage, SAR: seed.overage.SAR } });
  const adminPriced = { ...legacy, prices: { ...legacy.prices, SAR: { monthly: 35_000, yearly: 350_000 } }, overage: { ...legacy.overage, SAR: { apiCallsPer1000: 5, storagePerGb: 2_000 } } };
  t.equal(correctedSarPricing(adminPriced, seed), null);
});
