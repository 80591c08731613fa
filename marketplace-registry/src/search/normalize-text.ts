/**
 * Folds text for matching, so that a search finds Arabic words however they were typed: diacritics
 * (tashkeel) and tatweel removed, alef forms (أ إ آ ٱ) to ا, ة to ه, ى to ي, Arabic-Indic digits to
 * ASCII; Latin text lowercased with accents removed. Punctuation becomes a space.
 */
export function normalizeSearchText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u064b-\u065f\u0670\u06d6-\u06ed\u0640]/g, '')
    .replace(/[أإآٱ]/g, 'ا')
    .replace(/ة/g, 'ه')
    .replace(/ى/g, 'ي')
    .replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x0660))
    .replace(/[\u06f0-\u06f9]/g, (d) => String(d.charCodeAt(0) - 0x06f0))
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The search terms of a query: normalized words, at most 8, each at most 64 characters. */
export function searchTerms(query: string): string[] {
  return normalizeSearchText(query)
    .split(' ')
    .filter(Boolean)
    .slice(0, 8)
    .map((t) => t.slice(0, 64));
}
