import type { BillingPlan, OverageRates, PlanPrice } from '../entities/plans.js';
import { assertMinor, divideCeil } from '../money.js';

/** Halalas per US cent × 100: the riyal's peg, 3.75 SAR to the dollar, held since 1986. */
const HALALAS_PER_100_CENTS = 375n;

/** Plan fees are shown as whole 5-riyal price points (375, 1,125, 3,750 SAR), not 371.25. */
export const SAR_PLAN_PRICE_STEP = 500;

/**
 * A price in US cents converted at the peg to halalas, rounded up to a multiple of `step` halalas
 * (1: to the halala). Up, never down: converting must not undercut the original price.
 */
export function sarFromUsd(usdCents: number, step = 1): number {
  const halalasTimes100 = BigInt(assertMinor(usdCents, 'USD price')) * HALALAS_PER_100_CENTS;
  return Number(divideCeil(halalasTimes100, 100n * BigInt(step))) * step;
}

/** A plan's USD fees in SAR: the monthly fee at a price point, the year still ten months. */
export function sarPlanPrice(usd: PlanPrice): PlanPrice {
  const monthly = sarFromUsd(usd.monthly, SAR_PLAN_PRICE_STEP);
  return { monthly, yearly: monthly * 10 };
}

/** Overage rates are small per-unit amounts: converted to the halala. */
export function sarOverage(usd: OverageRates): OverageRates {
  return { apiCallsPer1000: sarFromUsd(usd.apiCallsPer1000), storagePerGb: sarFromUsd(usd.storagePerGb) };
}

const same = (a: object | undefined, b: object | undefined) => a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b);

/**
 * Earlier seeds stored the original's dollar figures under SAR as well (99 SAR for a $99 plan). A
 * plan row still carrying exactly that (SAR equal to USD) gets the converted SAR prices; a plan an
 * admin priced in SAR differs from its USD and is left alone. Null when nothing needs changing.
 */
export function correctedSarPricing(row: Pick<BillingPlan, 'prices' | 'overage'>, seed: Pick<BillingPlan, 'prices' | 'overage'>): Pick<BillingPlan, 'prices' | 'overage'> | null {
  const pricesWrong = same(row.prices.SAR, row.prices.USD) && seed.prices.SAR !== undefined;
  const overageWrong = same(row.overage.SAR, row.overage.USD) && seed.overage.SAR !== undefined;
  if (!pricesWrong && !overageWrong) return null;
  return {
    prices: pricesWrong ? { ...row.prices, SAR: seed.prices.SAR! } : row.prices,
    overage: overageWrong ? { ...row.overage, SAR: seed.overage.SAR! } : row.overage,
  };
}
