/**
 * @dogan/distribution: the platform as shipped. The kernel (`@dogan/runtime`) knows no plugin; this
 * package names the first-party ones and owns the `dogan` CLI that starts and administers them.
 */
import { buildKernel, type Kernel, type KernelOptions } from '@dogan/runtime';
import { firstPartyPlugins } from './first-party.js';

export { firstPartyPlugins };

/** `buildKernel` with the first-party catalog, so `DOGAN_PLUGINS=all` (the default) means every plugin above. */
export function buildPlatform(options: Omit<KernelOptions, 'catalog'> = {}): Promise<Kernel> {
  return buildKernel({ ...options, catalog: firstPartyPlugins });
}
