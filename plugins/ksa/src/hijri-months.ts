/**
 * Hijri month names as the product shows them. The Arabic names are the ones ICU/CLDR use, so an
 * Arabic date reads the same whether ICU or our own numbers produced it; the English names are the
 * common Saudi transliterations rather than CLDR's "Rabiʻ I" / "Jumada II" abbreviations.
 */
import type { Language } from './language.js';

/** Month names for one language, Muharram first. */
export type HijriMonthNames = readonly [string, string, string, string, string, string, string, string, string, string, string, string];

export const HIJRI_MONTH_NAMES: Readonly<Record<Language, HijriMonthNames>> = {
  en: [
    'Muharram',
    'Safar',
    'Rabi al-Awwal',
    'Rabi al-Thani',
    'Jumada al-Ula',
    'Jumada al-Akhirah',
    'Rajab',
    'Shaban',
    'Ramadan',
    'Shawwal',
    'Dhu al-Qadah',
    'Dhu al-Hijjah',
  ],
  ar: [
    'محرم',
    'صفر',
    'ربيع الأول',
    'ربيع الآخر',
    'جمادى الأولى',
    'جمادى الآخرة',
    'رجب',
    'شعبان',
    'رمضان',
    'شوال',
    'ذو القعدة',
    'ذو الحجة',
  ],
};

/** The name of Hijri month `month` (1 = Muharram ... 12 = Dhu al-Hijjah) in `language`. */
export function hijriMonthName(language: Language, month: number): string {
  const name = HIJRI_MONTH_NAMES[language][month - 1];
  if (name === undefined) throw new RangeError(`Hijri month must be 1 to 12, got ${month}`);
  return name;
}
