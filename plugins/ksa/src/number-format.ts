/**
 * Numbers and money in Arabic-Indic or Latin digits.
 *
 * Money never goes through floating point: an amount is an integer count of minor units (halalas
 * for SAR), split into whole units and a remainder with BigInt division, then written digit by
 * digit. The separators are fixed per digit system (the CLDR ones), so an invoice prints the same on
 * every server whatever its ICU version.
 */
import { KsaErrors } from './errors.js';
import type { Digits, Language } from './language.js';

/** Thousands and decimal separators of a digit system: `٬` / `٫` (U+066C / U+066B) or `,` / `.`. */
export const SEPARATORS: Readonly<Record<Digits, { group: string; decimal: string; minus: string }>> = {
  // U+061C (Arabic letter mark) keeps the minus on the number's left inside right-to-left text, as ICU does.
  arab: { group: '\u066C', decimal: '\u066B', minus: '\u061C-' },
  latn: { group: ',', decimal: '.', minus: '-' },
};

/** Space between an amount and its currency: no-break, so "SAR" never wraps away from its number. */
export const CURRENCY_SPACE = '\u00A0';

const ARABIC_INDIC_ZERO = 0x0660;

/** Rewrites the Latin digits 0–9 in `text` in the chosen digit system; other characters are kept. */
export function toDigits(text: string, digits: Digits): string {
  if (digits === 'latn') return text;
  return text.replace(/[0-9]/g, (d) => String.fromCharCode(ARABIC_INDIC_ZERO + Number(d)));
}

/** Formats a number (e.g. a count or a percentage) with `Intl.NumberFormat` in the chosen digits. */
export function formatNumber(value: number | bigint, language: Language, digits: Digits, options: Intl.NumberFormatOptions = {}): string {
  return new Intl.NumberFormat(language, { ...options, numberingSystem: digits }).format(value);
}

/** Options for `formatMoney`. */
export interface MoneyFormatOptions {
  readonly language: Language;
  readonly digits: Digits;
  /** ISO 4217 code; default SAR. */
  readonly currency?: string;
}

/**
 * Formats an integer amount of minor units. 123456 halalas gives `1,234.56 SAR` in English with
 * Latin digits and `١٬٢٣٤٫٥٦ ر.س` in Arabic with Arabic-Indic digits (the space is U+00A0).
 * Throws `AMOUNT_INVALID` for fractions or unsafe integers, `CURRENCY_UNSUPPORTED` for unknown codes.
 */
export function formatMoney(minorUnits: bigint | number, options: MoneyFormatOptions): string {
  const currency = options.currency ?? 'SAR';
  const exponent = minorUnitExponent(currency);
  const amount = toBigInt(minorUnits);
  const negative = amount < 0n;
  const magnitude = negative ? -amount : amount;
  const scale = 10n ** BigInt(exponent);
  const separators = SEPARATORS[options.digits];
  let text = groupThousands((magnitude / scale).toString(), separators.group);
  if (exponent > 0) text += separators.decimal + (magnitude % scale).toString().padStart(exponent, '0');
  text = toDigits(text, options.digits);
  return `${negative ? separators.minus : ''}${text}${CURRENCY_SPACE}${currencyLabel(currency, options.language)}`;
}

/** How a currency is named next to an amount: `ر.س` for SAR in Arabic, the ISO code otherwise. */
export function currencyLabel(currency: string, language: Language): string {
  return currency === 'SAR' && language === 'ar' ? 'ر.س' : currency;
}

/** Number of minor-unit digits of a currency (SAR 2, KWD 3, JPY 0), from ICU's ISO 4217 data. */
export function minorUnitExponent(currency: string): number {
  if (!isSupportedCurrency(currency)) throw KsaErrors.CURRENCY_UNSUPPORTED(currency);
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

/** True for an upper-case ISO 4217 code that ICU knows. */
export function isSupportedCurrency(currency: unknown): currency is string {
  return typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) && Intl.supportedValuesOf('currency').includes(currency);
}

function toBigInt(value: bigint | number): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw KsaErrors.AMOUNT_INVALID(String(value));
}

function groupThousands(integerDigits: string, separator: string): string {
  return integerDigits.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
}
