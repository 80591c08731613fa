import { defineErrors } from '@dogan/runtime';

/** The marketplace plugin's error table; codes are stable for clients and tests. */
export const MarketplaceErrors = defineErrors({
  MODULE_NOT_FOUND: { status: 404, title: 'Module not found', message: 'No module "%s" in the marketplace' },
  MODULE_ID_INVALID: { status: 400, title: 'Malformed module id', message: '"%s" is not a module id (publisher.name)' },
  MODULE_NOT_PURCHASED: { status: 402, title: 'Module not purchased', message: 'Module "%s" is paid; purchase it first (POST .../modules/%s/purchase)' },
  MODULE_ALREADY_INSTALLED: { status: 409, title: 'Module already installed', message: 'Module "%s" is installed at version %s; upgrade it instead' },
  MODULE_NOT_INSTALLED: { status: 404, title: 'Module not installed', message: 'Module "%s" is not installed for this tenant' },
  MODULE_VERSION_UNAVAILABLE: { status: 404, title: 'No suitable version', message: 'Module "%s" has no version %s that this platform (engine %s) can run' },
  MODULE_ENGINE_INCOMPATIBLE: { status: 409, title: 'Incompatible module', message: 'Module "%s" %s needs Dogan engine %s, but this platform is %s' },
  MODULE_GRANTS_MISSING: { status: 400, title: 'Permissions not granted', message: 'Module "%s" needs these permissions granted: %s' },
  MODULE_GRANT_UNKNOWN: { status: 400, title: 'Unknown permission', message: 'Module "%s" does not request the permissions %s' },
  MODULE_DEPENDENCY_MISSING: { status: 409, title: 'Missing module dependency', message: 'Module "%s" needs "%s" %s installed first' },
  MODULE_DEPENDED_ON: { status: 409, title: 'Module in use', message: 'Module "%s" cannot be uninstalled while %s depend on it; uninstall them first' },
  MODULE_SETTINGS_INVALID: { status: 400, title: 'Invalid module settings', message: 'The settings of module "%s" are invalid: %s' },
  MODULE_INSTALL_FAILED: { status: 502, title: 'Module install failed', message: 'Installing "%s" failed at step "%s": %s. The tenant is as it was' },
  MODULE_UPGRADE_FAILED: { status: 502, title: 'Module upgrade failed', message: 'Upgrading "%s" to %s failed at step "%s": %s. Version %s is still running with its data' },
  MODULE_NO_PREVIOUS_VERSION: { status: 409, title: 'Nothing to roll back to', message: 'Module "%s" has no previous version on this tenant' },
  MODULE_OPERATION_IN_PROGRESS: { status: 409, title: 'Module operation in progress', message: 'Module "%s" is busy with another operation (%s) for this tenant; retry in %s s' },
  MODULE_SECRET_DOWNGRADE: {
    status: 409,
    title: 'Secret settings would lose their protection',
    message: 'Version %s of "%s" does not mark the settings %s as secret, so they would be kept and shown in clear. Send "discardSecrets": %s to delete their values with this change, or set them again afterwards',
  },
  MODULE_DISABLED: { status: 409, title: 'Module disabled', message: 'Module "%s" is disabled for this tenant' },
  PRICING_UNSUPPORTED: { status: 409, title: 'Price not supported', message: 'Module "%s" cannot be bought here yet: %s are not billed by this platform' },
  BILLING_UNAVAILABLE: { status: 409, title: 'Paid modules unavailable', message: 'Module "%s" is paid and billing is not enabled on this platform' },
});
