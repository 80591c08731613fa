import { createKsaService, type KsaPlatform, type LocaleFormatter, type PluralForms, type TenantLocaleSettings } from '@dogan/plugin-ksa';
import type { Tenant } from '@dogan/tenants';
import type { Locale } from '../store/template-store.js';
import type { TemplateFormatter } from './render.js';

/** A tenant's formatting in one language: what template filters and notices use. */
export interface MessageLocale {
  readonly locale: Locale;
  readonly formatter: TemplateFormatter;
  /** `forms` in the language's plural rules, `{count}` filled in its digits. */
  plural(count: number, forms: PluralForms): string;
}

/** The KSA library's own service, for a platform that does not load the KSA plugin: Saudi defaults. */
const standalone = createKsaService();

function templateFormatter(f: LocaleFormatter, timezone: string): TemplateFormatter {
  const days = new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' });
  return {
    date: (d) => f.date(d),
    dateTime: (i) => f.dateTime(i),
    hijri: (d) => f.hijriDate(d),
    gregorian: (d) => f.gregorianDate(d),
    number: (n) => f.number(n),
    money: (minor, currency) => f.money(minor, currency),
    localDate(instant) {
      const at = Date.parse(instant);
      return Number.isNaN(at) ? undefined : days.format(at);
    },
  };
}

/**
 * Each tenant's language and formatting, from the KSA plugin's settings when it is loaded (language,
 * calendar display, digits, currency, zone), else from the tenant record with Saudi defaults. A
 * message in the other language keeps the tenant's calendar, zone and currency.
 */
export class Localization {
  /** Per settings object (the KSA plugin replaces it on change), the formatter in each language. */
  private readonly cache = new WeakMap<TenantLocaleSettings, Map<Locale, MessageLocale>>();
  /** Without the KSA plugin: the defaults for each language and zone, made once. */
  private readonly defaults = new Map<string, TenantLocaleSettings>();

  constructor(private readonly ksa: () => KsaPlatform | undefined) {}

  private async settings(tenant: Tenant): Promise<TenantLocaleSettings> {
    const platform = this.ksa();
    if (platform) return platform.settingsOf(tenant);
    const language = tenant.locale === 'en' ? 'en' : 'ar';
    const key = `${language}|${tenant.timezone}`;
    let settings = this.defaults.get(key);
    if (!settings) {
      settings = standalone.forTenant({ language, timezone: tenant.timezone }).settings;
      if (this.defaults.size > 1000) this.defaults.clear();
      this.defaults.set(key, settings);
    }
    return settings;
  }

  /** The tenant's language: its KSA setting, else its record's locale. */
  async language(tenant: Tenant): Promise<Locale> {
    return (await this.settings(tenant)).language;
  }

  async forTenant(tenant: Tenant, locale: Locale): Promise<MessageLocale> {
    const settings = await this.settings(tenant);
    let byLocale = this.cache.get(settings);
    if (!byLocale) {
      byLocale = new Map();
      this.cache.set(settings, byLocale);
    }
    const hit = byLocale.get(locale);
    if (hit) return hit;
    const service = this.ksa()?.service ?? standalone;
    // The locale tag and digits follow the language; the rest (calendar, zone, currency) stays the tenant's.
    const { locale: _tag, digits: _digits, ...rest } = settings;
    const formatter = settings.language === locale ? service.forTenant(settings).formatter : service.forTenant({ ...rest, language: locale }).formatter;
    const made: MessageLocale = { locale, formatter: templateFormatter(formatter, settings.timezone), plural: (count, forms) => formatter.plural(count, forms) };
    byLocale.set(locale, made);
    return made;
  }
}
