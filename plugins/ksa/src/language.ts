/** The languages the platform speaks, and what follows from each (direction, default digits). */

/** A supported UI language. */
export type Language = 'ar' | 'en';

/** Digits used to write numbers: Arabic-Indic (٠١٢٣٤٥٦٧٨٩) or Latin (0123456789). Unicode/CLDR names. */
export type Digits = 'arab' | 'latn';

/** Text direction of a language, for the HTML `dir` attribute. */
export type TextDirection = 'rtl' | 'ltr';

export const SUPPORTED_LANGUAGES: readonly Language[] = ['ar', 'en'];

export function isLanguage(value: unknown): value is Language {
  return value === 'ar' || value === 'en';
}

/** `rtl` for Arabic, `ltr` for English. */
export function textDirection(language: Language): TextDirection {
  return language === 'ar' ? 'rtl' : 'ltr';
}

/** Digits a language uses when a tenant has not chosen: Arabic-Indic for Arabic, as ar-SA does. */
export function defaultDigits(language: Language): Digits {
  return language === 'ar' ? 'arab' : 'latn';
}
