import type { PlatformEvent } from '@dogan/runtime';
import type { Logger } from 'pino';
import type { ApiKeyService } from './api-keys.js';
import type { CoherenceOptions } from './event-recorder.js';
import type { ApiKeyEventPayload, TenantEventPayload } from './events.js';
import type { TenantService } from './tenant-service.js';

/**
 * What each node caches of the control plane here, and the events that make it stale: tenant
 * look-ups (5 s) on every `tenant.*`, verified keys (30 s) on `apikey.revoked` and a purge.
 */
export function tenantCachesConsumer(api: { tenants: TenantService; keys: ApiKeyService }, log: Logger): CoherenceOptions {
  return {
    name: 'tenants.caches',
    types: ['tenant.*', 'apikey.revoked'],
    log,
    apply(event: PlatformEvent) {
      // A payload of another shape (a later version) still invalidates, only more widely.
      if (event.type === 'apikey.revoked') {
        const key = (event.payload as Partial<ApiKeyEventPayload> | null)?.key;
        if (key?.prefix) api.keys.forget(key.prefix);
        else api.keys.forgetAll();
        return;
      }
      const tenant = (event.payload as Partial<TenantEventPayload> | null)?.tenant;
      if (!tenant?.id) return api.tenants.forgetAll();
      api.tenants.forget({ id: tenant.id, subdomain: tenant.subdomain });
      if (event.type === 'tenant.deleted' && (event.payload as TenantEventPayload).purged) api.keys.forgetTenant(tenant.id);
    },
    resync() {
      api.tenants.forgetAll();
      api.keys.forgetAll();
    },
  };
}
