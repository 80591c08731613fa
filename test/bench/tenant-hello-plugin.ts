import { definePlugin, tenantPolicy } from '@dogan/runtime';
import { tenantsApiRef } from '@dogan/tenants';

/** The billing benchmark's route: a trivial tenant route (authenticated, tenant resolved), so the meter has a tenant to count. */
export default definePlugin({
  name: 'bench-tenant-hello',
  version: '1.0.0',
  kernel: '^0.1.0',
  dependencies: { tenants: '^0.1.0' },
  deps: { tenants: tenantsApiRef },
  async routes(app) {
    await app.register(async (scope) => {
      scope.get('/api/v1/:tenant/bench/hello', { config: { policy: tenantPolicy('read') }, schema: { response: { 200: { type: 'object', properties: { hello: { type: 'string' } } } } } }, async () => ({ hello: 'world' }));
    });
  },
});
