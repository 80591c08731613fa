/**
 * Bilingual descriptions of invoice lines. They belong in the KSA message catalog eventually (keys
 * listed in the plugin's notes); until then they live here so an invoice never shows a raw key.
 */
export type Bilingual = { en: string; ar: string };

const CYCLE = { monthly: { en: 'monthly', ar: 'شهري' }, yearly: { en: 'yearly', ar: 'سنوي' } } as const;

export const lineText = {
  plan: (plan: Bilingual, cycle: 'monthly' | 'yearly'): Bilingual => ({
    en: `${plan.en} plan (${CYCLE[cycle].en})`,
    ar: `الباقة ${plan.ar} (${CYCLE[cycle].ar})`,
  }),
  proration: (from: Bilingual, to: Bilingual, seconds: number, of: number): Bilingual => ({
    en: `Upgrade from ${from.en} to ${to.en}, prorated for ${seconds} of ${of} seconds`,
    ar: `ترقية من ${from.ar} إلى ${to.ar}، بالتناسب عن ${seconds} من ${of} ثانية`,
  }),
  unusedCredit: (plan: Bilingual): Bilingual => ({ en: `Unused time on ${plan.en}`, ar: `رصيد المدة غير المستخدمة من ${plan.ar}` }),
  apiOverage: (calls: number): Bilingual => ({ en: `API calls over the plan limit: ${calls}`, ar: `استدعاءات API فوق حد الباقة: ${calls}` }),
  storageOverage: (gb: number): Bilingual => ({ en: `Storage over the plan limit: ${gb} GB`, ar: `التخزين فوق حد الباقة: ${gb} غيغابايت` }),
  module: (moduleId: string, version: string): Bilingual => ({ en: `Module ${moduleId} ${version}`, ar: `الوحدة ${moduleId} ${version}` }),
  moduleUse: (moduleId: string, uses: number): Bilingual => ({ en: `Module ${moduleId}: ${uses} uses`, ar: `الوحدة ${moduleId}: ${uses} استخدام` }),
  credit: (number: string): Bilingual => ({ en: `Credit for invoice ${number}`, ar: `إشعار دائن للفاتورة ${number}` }),
};
