import type { FastifyInstance } from 'fastify';
import { PLATFORM_ADMIN_POLICY, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { KsaPlatform } from './ksa-platform.js';

const tags = ['localization (platform admin)'];
const config = { policy: PLATFORM_ADMIN_POLICY };
const localized = { type: 'object', additionalProperties: false, required: ['ar', 'en'], properties: { ar: { type: 'string', minLength: 1, maxLength: 100 }, en: { type: 'string', minLength: 1, maxLength: 100 } } } as const;

/** Platform-admin corrections when an official announcement differs from the calculated calendar. */
export async function ksaAdminRoutes(instance: FastifyInstance, platform: KsaPlatform): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const monthParams = {
    type: 'object',
    required: ['year', 'month'],
    properties: { year: { type: 'integer', minimum: 1300, maximum: 1600 }, month: { type: 'integer', minimum: 1, maximum: 12 } },
  } as const;

  app.get('/api/admin/hijri-months', { config, schema: { tags, summary: 'Hijri month start overrides in force' } }, async () => ({
    items: (await platform.monthOverrides()).map((m) => ({ year: m.year, month: m.month, firstDay: m.firstDay })),
  }));

  app.put(
    '/api/admin/hijri-months/:year/:month',
    {
      config,
      schema: {
        tags,
        summary: "Override a Hijri month's first day; conversions, holidays and displays follow",
        params: monthParams,
        body: { type: 'object', additionalProperties: false, required: ['firstDay'], properties: { firstDay: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } } },
      },
    },
    async (request) => {
      const { year, month } = request.params;
      const { firstDay } = request.body;
      await platform.putMonthOverride(year, month, firstDay);
      return { year, month, firstDay };
    },
  );

  app.delete('/api/admin/hijri-months/:year/:month', { config, schema: { tags, summary: 'Remove an override', params: monthParams } }, async (request, reply) => {
    const { year, month } = request.params;
    await platform.deleteMonthOverride(year, month);
    return reply.code(204).send();
  });

  const yearParams = { type: 'object', required: ['year'], properties: { year: { type: 'integer', minimum: 1946, maximum: 2076 } } } as const;
  app.put(
    '/api/admin/holidays/:year',
    {
      config,
      schema: {
        tags,
        summary: "Replace a year's computed Eid holidays with the announced ones",
        params: yearParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['holidays'],
          properties: {
            holidays: {
              type: 'array',
              maxItems: 60,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['date', 'name'],
                properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' }, name: localized, kind: { type: 'string', enum: ['national', 'religious'] } },
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { year } = request.params;
      const { holidays } = request.body;
      await platform.putHolidays(year, holidays);
      return { year, holidays: platform.service.holidaysForYear(year) };
    },
  );

  app.delete('/api/admin/holidays/:year', { config, schema: { tags, summary: "Back to the computed holidays for a year", params: yearParams } }, async (request, reply) => {
    await platform.deleteHolidays(request.params.year);
    return reply.code(204).send();
  });
}
