import type { PlatformEvent } from '@dogan/runtime';
import type { CoherenceOptions } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { ModuleEventPayload } from '../events.js';
import type { InstallService } from './install-service.js';

/**
 * Each node's sandbox table of installed modules follows the control plane: a `module.*` event from
 * any node re-reads that tenant's module (installed, upgraded with its old version's isolates
 * disposed, re-configured, disabled, gone); after a bus outage the whole table is reloaded.
 */
export function installsConsumer(installs: InstallService, log: Logger): CoherenceOptions {
  return {
    name: 'marketplace.installs',
    types: ['module.*'],
    log,
    async apply(event: PlatformEvent) {
      const moduleId = (event.payload as Partial<ModuleEventPayload> | null)?.moduleId;
      if (!event.tenantId || !moduleId) return;
      await installs.refresh(event.tenantId, moduleId);
    },
    resync: () => installs.restoreAll(),
  };
}
