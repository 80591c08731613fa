import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import { KsaErrors } from '../errors.js';
import { formatHijriIso } from '../hijri-calendar.js';
import { hijriMonthName } from '../hijri-months.js';
import type { KsaPlatform, TenantLocaleSource } from './ksa-platform.js';

const tags = ['localization (KSA)'];
const config = { policy: tenantPolicy('read') };
const isoDate = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' } as const;
const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string', minLength: 3, maxLength: 63 } } } as const;

const dateView = {
  type: 'object',
  properties: {
    gregorian: { type: 'string' },
    hijri: {
      type: 'object',
      properties: {
        year: { type: 'integer' },
        month: { type: 'integer' },
        day: { type: 'integer' },
        iso: { type: 'string' },
        monthName: { type: 'object', properties: { ar: { type: 'string' }, en: { type: 'string' } } },
      },
    },
    formatted: { type: 'string', description: "In the tenant's language, digits and calendar display" },
  },
} as const;

function tenantOf(request: FastifyRequest): TenantLocaleSource {
  return request.tenant as unknown as TenantLocaleSource;
}

/** Tenant-facing routes: locale settings, calendar conversion, business days, holidays. */
export async function ksaTenantRoutes(instance: FastifyInstance, platform: KsaPlatform): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  app.get('/api/v1/:tenant/settings/locale', { config, schema: { tags, summary: "The tenant's language, calendar, work week and holidays", params: tenantParams } }, async (request) =>
    platform.settingsOf(tenantOf(request)),
  );

  app.put(
    '/api/v1/:tenant/settings/locale',
    {
      config: { policy: tenantPolicy('admin') },
      schema: { tags, summary: 'Replace the locale settings (missing fields take the Saudi defaults)', params: tenantParams, body: { type: 'object' } },
    },
    async (request) => platform.putSettings(tenantOf(request).id, request.body),
  );

  app.get(
    '/api/v1/:tenant/calendar/convert',
    {
      config,
      schema: {
        tags,
        summary: 'Gregorian ⇄ Hijri (Umm al-Qura) conversion; give exactly one of gregorian or hijri',
        params: tenantParams,
        querystring: { type: 'object', additionalProperties: false, properties: { gregorian: isoDate, hijri: isoDate } },
        response: { 200: dateView },
      },
    },
    async (request) => {
      const q = request.query;
      if ((q.gregorian === undefined) === (q.hijri === undefined)) {
        throw KsaErrors.ARGUMENT_INVALID('query', 'give exactly one of ?gregorian=YYYY-MM-DD or ?hijri=YYYY-MM-DD');
      }
      const local = await platform.forTenant(tenantOf(request));
      const calendar = platform.service.calendar;
      const gregorian = q.gregorian ?? calendar.toGregorian(calendar.parseHijriDate(q.hijri));
      const hijri = calendar.toHijri(gregorian);
      return {
        gregorian,
        hijri: { ...hijri, iso: formatHijriIso(hijri), monthName: { ar: hijriMonthName('ar', hijri.month), en: hijriMonthName('en', hijri.month) } },
        formatted: local.formatter.date(gregorian),
      };
    },
  );

  app.get(
    '/api/v1/:tenant/calendar/business-days',
    {
      config,
      schema: {
        tags,
        summary: "The date N business days after `from`, by the tenant's work week and holidays",
        params: tenantParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['from', 'add'],
          properties: { from: isoDate, add: { type: 'integer', minimum: -3650, maximum: 3650 } },
        },
        response: { 200: { type: 'object', properties: { from: { type: 'string' }, add: { type: 'integer' }, date: { type: 'string' }, formatted: { type: 'string' } } } },
      },
    },
    async (request) => {
      const { from, add } = request.query;
      const local = await platform.forTenant(tenantOf(request));
      const date = local.businessCalendar.addBusinessDays(from, add);
      return { from, add, date, formatted: local.formatter.date(date) };
    },
  );

  app.get(
    '/api/v1/:tenant/calendar/holidays',
    {
      config,
      schema: {
        tags,
        summary: "The tenant's days off in a Gregorian year: official ones and its own",
        params: tenantParams,
        querystring: { type: 'object', additionalProperties: false, required: ['year'], properties: { year: { type: 'integer', minimum: 1946, maximum: 2076 } } },
      },
    },
    async (request) => {
      const { year } = request.query;
      const local = await platform.forTenant(tenantOf(request));
      return { year, holidays: local.holidaysForYear(year) };
    },
  );
}
