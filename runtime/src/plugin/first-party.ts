/**
 * The first-party plugins that `DOGAN_PLUGINS=all` loads, by name. Imports are lazy so a plugin that
 * is not configured costs nothing, and the kernel package does not depend on the plugins statically.
 */
export const firstPartyPlugins: Readonly<Record<string, () => Promise<unknown>>> = {
  tenants: () => import('@dogan/tenants'),
  ksa: () => import('@dogan/plugin-ksa'),
  billing: () => import('@dogan/plugin-billing'),
  modules: () => import('@dogan/plugin-modules'),
  marketplace: () => import('@dogan/plugin-marketplace'),
  'platform-info': () => import('@dogan/plugin-platform-info'),
};
