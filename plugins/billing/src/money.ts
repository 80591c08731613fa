/**
 * Money as integer minor units (halalas, cents), never floats. Multiplications and divisions go
 * through BigInt so intermediate products cannot lose precision, and every division says how it
 * rounds. Rates are basis points (1500 = 15%).
 *
 * VAT (ZATCA guidance, VAT Implementing Regulations art. 53 and the e-invoicing XML rules): VAT is
 * computed once on the invoice's total taxable amount and rounded to two decimals, half up. Line
 * amounts are already whole halalas, so there is exactly one rounding per invoice, and
 * total = sum(lines) + VAT holds to the halala by construction.
 */

/** A whole number of minor units; checked at every boundary so a float can never slip in. */
export type Minor = number;

export function assertMinor(value: number, what = 'amount'): Minor {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${what} must be a whole number of minor units, got ${value}`);
  return value;
}

function toSafe(value: bigint, what: string): Minor {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new RangeError(`${what} overflows`);
  return Number(value);
}

/**
 * numerator / denominator rounded half away from zero (half up for positive amounts), so a credit
 * note's VAT is exactly the negation of the invoice's.
 */
export function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const q = (magnitude * 2n + denominator) / (denominator * 2n);
  return negative ? -q : q;
}

/** Ceiling division for non-negative integers ("per started 1,000"). */
export function divideCeil(numerator: bigint, denominator: bigint): bigint {
  if (numerator <= 0n) return 0n;
  return (numerator + denominator - 1n) / denominator;
}

/** Sum of minor amounts, exact. */
export function sumMinor(amounts: readonly Minor[]): Minor {
  let total = 0n;
  for (const a of amounts) total += BigInt(assertMinor(a));
  return toSafe(total, 'sum');
}

/** VAT on a taxable amount at `rateBasisPoints`, rounded half up to the minor unit. */
export function vatOn(taxable: Minor, rateBasisPoints: number): Minor {
  assertMinor(taxable, 'taxable amount');
  if (!Number.isInteger(rateBasisPoints) || rateBasisPoints < 0 || rateBasisPoints > 10_000) throw new RangeError('VAT rate must be 0..10000 basis points');
  return toSafe(divideRounded(BigInt(taxable) * BigInt(rateBasisPoints), 10_000n), 'VAT');
}

/** `amount × part / whole`, rounded half up: proration by seconds, publisher shares by percent. */
export function scaleRounded(amount: Minor, part: bigint | number, whole: bigint | number): Minor {
  assertMinor(amount);
  return toSafe(divideRounded(BigInt(amount) * BigInt(part), BigInt(whole)), 'scaled amount');
}

/** `unitPrice × ceil(quantity / per)`: overage per started block. */
export function perStartedBlock(quantity: number, per: number, unitPrice: Minor): Minor {
  const blocks = divideCeil(BigInt(Math.max(0, Math.trunc(quantity))), BigInt(per));
  return toSafe(blocks * BigInt(assertMinor(unitPrice)), 'block charge');
}

/** Invoice totals from line amounts: one VAT computation on the taxable total. */
export interface InvoiceTotals {
  readonly subtotal: Minor;
  readonly vat: Minor;
  readonly total: Minor;
}

export function invoiceTotals(lineAmounts: readonly Minor[], rateBasisPoints: number): InvoiceTotals {
  const subtotal = sumMinor(lineAmounts);
  const vat = vatOn(subtotal, rateBasisPoints);
  return { subtotal, vat, total: toSafe(BigInt(subtotal) + BigInt(vat), 'total') };
}

/** `34385` → `"343.85"` (the ZATCA QR and provider payloads want a plain decimal string). */
export function toDecimalString(amount: Minor, exponent = 2): string {
  assertMinor(amount);
  const negative = amount < 0;
  const digits = String(Math.abs(amount)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent > 0 ? '.' + digits.slice(digits.length - exponent) : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** `"343.85"` → `34385`; refuses anything that is not an exact decimal with at most `exponent` places. */
export function parseDecimal(text: string, exponent = 2): Minor {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match || (match[3]?.length ?? 0) > exponent) throw new RangeError(`"${text}" is not an amount with at most ${exponent} decimals`);
  const minor = BigInt(match[2]! + (match[3] ?? '').padEnd(exponent, '0'));
  return toSafe(match[1] ? -minor : minor, 'amount');
}
