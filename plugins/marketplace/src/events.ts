/**
 * The platform events the marketplace records, version 1 of each: a module's life on a tenant. Each
 * commits with the write that ends its operation (OperationClaims.finish), so a failed install or
 * upgrade, put back as it was, says nothing. Payloads carry the module, its version and grants, and
 * for a settings change the names of the settings that changed: never their values (some are secret).
 */
import type { NewPlatformEvent } from '@dogan/tenants';
import type { InstallOperation, InstallStatus, ModuleInstallRecord } from './entities.js';

export const MODULE_EVENT_TYPES = [
  'module.installed',
  'module.upgraded',
  'module.rolled_back',
  'module.enabled',
  'module.disabled',
  'module.settings_changed',
  'module.uninstalled',
] as const;

export type ModuleEventType = (typeof MODULE_EVENT_TYPES)[number];

/** Payload of every `module.*` event. */
export interface ModuleEventPayload {
  moduleId: string;
  /** The version installed after the change (the one uninstalled, for `module.uninstalled`). */
  version: string;
  status: InstallStatus;
  /** Names of the permissions granted. */
  grants: string[];
  /** `module.upgraded`, `module.rolled_back`: the version before. */
  previousVersion?: string;
  /** `module.settings_changed`: names of the settings whose value changed. */
  changedSettings?: string[];
  /** `module.uninstalled`: true when its data went too. */
  purged?: boolean;
}

/** The event an operation that finished records. */
export const OPERATION_EVENT: Readonly<Record<Exclude<InstallOperation, 'purge'>, ModuleEventType>> = {
  install: 'module.installed',
  upgrade: 'module.upgraded',
  rollback: 'module.rolled_back',
  enable: 'module.enabled',
  disable: 'module.disabled',
  settings: 'module.settings_changed',
  uninstall: 'module.uninstalled',
};

export function moduleEvent(type: ModuleEventType, record: ModuleInstallRecord, extra: Pick<ModuleEventPayload, 'previousVersion' | 'changedSettings' | 'purged'> = {}): NewPlatformEvent<ModuleEventPayload> {
  return {
    type,
    version: 1,
    tenantId: record.tenantId,
    payload: { moduleId: record.moduleId, version: record.version, status: record.status, grants: [...record.grants], ...extra },
  };
}
