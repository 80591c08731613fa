import { createServiceRef, definePlugin } from '@dogan/runtime';
import { tenantsApiRef } from '@dogan/tenants';
import { ksaAdminRoutes } from './admin-routes.js';
import { HijriMonthOverrideSchema, HolidayOverrideSchema, TenantLocaleSchema } from './entities.js';
import { ksaControlPlaneMigrations } from './migrations/index.js';
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
  deps: { tenants: tenantsApiRef },
  provides: [ksaServiceRef],
  controlPlaneEntities: [TenantLocaleSchema, HijriMonthOverrideSchema, HolidayOverrideSchema],
  controlPlaneMigrations: ksaControlPlaneMigrations,

  async init(ctx): Promise<KsaPlatform> {
    const platform = new KsaPlatform(ctx.deps.tenants.controlPlane);
    await platform.reload();
    ctx.provide(ksaServiceRef, platform);
    ctx.setProblemLocalizer(problemTitleLocalizer(platform));
    return platform;
  },

  async routes(app, _ctx, platform) {
    await ksaAdminRoutes(app, platform);
    await ksaTenantRoutes(app, platform);
  },
});
