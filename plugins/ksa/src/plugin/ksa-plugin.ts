import { createServiceRef, definePlugin } from '@dogan/runtime';
import { tenantsApiRef } from '@dogan/tenants';
import { ksaAdminRoutes } from './admin-routes.js';
import { HijriMonthOverrideSchema, HolidayOverrideSchema, TenantLocaleSchema } from './entities.js';
import { KsaPlatform } from './ksa-platform.js';
import { problemTitleLocalizer } from './problem-titles.js';
import { ksaTenantRoutes } from './tenant-routes.js';

/** Other plugins format dates and amounts and count business days for a tenant through this. */
export const ksaServiceRef = createServiceRef<KsaPlatform>({ id: 'ksa.platform' });

export const ksaPlugin = definePlugin({
  name: 'ksa',
  version: '0.1.0',
  kernel: '^0.1.0',
  description: 'Arabic and English, the Hijri (Umm al-Qura) calendar, SAR, the Saudi work week and holidays',
  dependencies: { tenants: '^0.1.0' },
  consumes: [tenantsApiRef, ksaServiceRef],
  provides: [ksaServiceRef],
  controlPlaneEntities: [TenantLocaleSchema, HijriMonthOverrideSchema, HolidayOverrideSchema],

  async init(ctx) {
    const platform = new KsaPlatform(ctx.services.get(tenantsApiRef).controlPlane);
    await platform.reload();
    ctx.provide(ksaServiceRef, platform);
    ctx.setProblemLocalizer(problemTitleLocalizer(platform));
  },

  async routes(app, ctx) {
    const platform = ctx.services.get(ksaServiceRef);
    const tenants = ctx.services.get(tenantsApiRef);
    await app.register(async (admin) => {
      admin.addHook('preHandler', ctx.adminAuth.preHandler);
      await ksaAdminRoutes(admin, platform);
    });
    await app.register(async (scope) => {
      scope.addHook('preHandler', tenants.tenantPreHandler);
      await ksaTenantRoutes(scope, platform, tenants.requireScope('admin') as never);
    });
  },
});
