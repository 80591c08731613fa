/**
 * Strings the platform shows people, in Arabic and English: lookup with parameters and plural
 * forms, and the choice of language from an HTTP `Accept-Language` header.
 */
import { defaultDigits, isLanguage, type Digits, type Language } from './language.js';
import { ar } from './messages/ar.js';
import type { Catalog } from './messages/catalog.js';
import { en, type MessageKey } from './messages/en.js';
import { formatNumber } from './number-format.js';
import { isPluralForms, plural } from './plural.js';

export { compareCatalogs, type Catalog, type CatalogMessage } from './messages/catalog.js';
export type { MessageKey } from './messages/en.js';

/** The catalogs by language. */
export const CATALOGS: Readonly<Record<Language, Catalog>> = { ar, en };

/** Values for a message's `{name}` placeholders; numbers are written in the chosen digits. */
export type MessageParams = Readonly<Record<string, string | number>>;

/**
 * The message `key` in `language` with its placeholders filled. Plural messages pick their form
 * from `params.count`. A key the catalog lacks comes back as the key itself, so a screen shows
 * something searchable instead of failing (the parity test keeps that from happening).
 */
export function translate(language: Language, key: MessageKey, params: MessageParams = {}, options: { digits?: Digits } = {}): string {
  const digits = options.digits ?? defaultDigits(language);
  const message = CATALOGS[language][key];
  if (message === undefined) return key;
  const count = params['count'];
  const text = isPluralForms(message)
    ? typeof count === 'number'
      ? plural(language, count, message, digits)
      : message.other
    : message;
  return text.replace(/\{(\w+)\}/g, (placeholder, name: string) => {
    const value = params[name];
    if (value === undefined) return placeholder;
    return typeof value === 'number' ? formatNumber(value, language, digits) : value;
  });
}

/**
 * Picks the supported language a client prefers from an `Accept-Language` header
 * (e.g. `en-GB,en;q=0.9,ar;q=0.8` → `en`), by quality then order. Regional tags match their
 * language (`ar-SA` → `ar`); `*`, an empty or malformed header, or only unsupported languages give
 * `fallback`. A language with `q=0` is never chosen.
 */
export function negotiateLanguage(acceptLanguage: string | null | undefined, fallback: Language = 'ar'): Language {
  if (!acceptLanguage) return fallback;
  const ranges = acceptLanguage
    .split(',')
    .map((entry, order) => {
      const [tag = '', ...parameters] = entry.trim().split(';');
      const qParameter = parameters.find((p) => /^\s*q\s*=/i.test(p));
      const q = qParameter === undefined ? null : /^\s*q\s*=\s*([01](\.\d{0,3})?)\s*$/i.exec(qParameter);
      // No q means 1; a malformed q drops the entry rather than guessing its weight.
      const quality = qParameter === undefined ? 1 : q ? Number(q[1]) : NaN;
      return { language: tag.trim().toLowerCase().split('-')[0] ?? '', quality, order };
    })
    .filter((range) => range.language !== '' && range.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.order - b.order);
  for (const range of ranges) {
    if (range.language === '*') return fallback;
    if (isLanguage(range.language)) return range.language;
  }
  return fallback;
}
