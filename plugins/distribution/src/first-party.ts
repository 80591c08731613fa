import type { PluginCatalog } from '@dogan/runtime';

/**
 * The first-party plugins that `DOGAN_PLUGINS=all` loads, by name. The kernel knows none of them:
 * this distribution hands the catalog to `buildKernel`. Imports are lazy so a plugin that is not
 * configured costs nothing.
 */
export const firstPartyPlugins: PluginCatalog = {
  tenants: () => import('@dogan/tenants'),
  ksa: () => import('@dogan/plugin-ksa'),
  billing: () => import('@dogan/plugin-billing'),
  events: () => import('@dogan/plugin-events'),
  modules: () => import('@dogan/plugin-modules'),
  marketplace: () => import('@dogan/plugin-marketplace'),
  'platform-info': () => import('@dogan/plugin-platform-info'),
  webhooks: () => import('@dogan/plugin-webhooks'),
  erpnext: () => import('@dogan/plugin-erpnext'),
  agents: () => import('@dogan/plugin-agents'),
  email: () => import('@dogan/plugin-email'),
  workflows: () => import('@dogan/plugin-workflows'),
};
