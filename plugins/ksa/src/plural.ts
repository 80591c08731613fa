/**
 * Plural forms. Arabic has six (zero, one, two, few, many, other: 0, 1, 2, 3–10, 11–99, 100...),
 * English two; `Intl.PluralRules` picks the category and the caller supplies the words.
 */
import { defaultDigits, type Digits, type Language } from './language.js';
import { formatNumber } from './number-format.js';

/** Words for each plural category; `other` is required because every language falls back to it. */
export type PluralForms = Partial<Record<Intl.LDMLPluralRule, string>> & { readonly other: string };

/**
 * Chooses the form of `forms` for `count` in `language` and fills `{count}` with the number in the
 * chosen digits (default: Arabic-Indic for Arabic, Latin for English).
 *
 * @example plural('ar', 3, { one: 'يوم واحد', two: 'يومان', few: '{count} أيام', other: '{count} يوم' }) // '٣ أيام'
 */
export function plural(language: Language, count: number, forms: PluralForms, digits: Digits = defaultDigits(language)): string {
  const category = new Intl.PluralRules(language).select(count);
  const form = forms[category] ?? forms.other;
  return form.replaceAll('{count}', formatNumber(count, language, digits));
}

/** True when `value` looks like a `PluralForms` object (has a string `other`). */
export function isPluralForms(value: unknown): value is PluralForms {
  return typeof value === 'object' && value !== null && typeof (value as { other?: unknown }).other === 'string';
}
