import { firstPartyPlugins } from '@dogan/distribution';
import { buildKernel, definePlugin, resolveConfiguredPlugins, type Kernel, type RoutePolicy } from '@dogan/runtime';
import type { RouteOptions } from 'fastify';
import { testConfig } from '../../helpers/kernel.js';

/** A route as Fastify registered it: one entry per method. */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
  readonly policy: RoutePolicy | undefined;
  readonly hidden: boolean;
}

/**
 * Every first-party plugin (`DOGAN_PLUGINS=all`) with the demo tenant and its notes module, plus a
 * plugin that records each route Fastify registers after the kernel's own: the suites derive their
 * tables from what is registered, never from a list written by hand.
 */
export async function startFullKernel(t: { teardown(fn: () => unknown): void }): Promise<{ kernel: Kernel; routes: RegisteredRoute[]; demoKey: string }> {
  const routes: RegisteredRoute[] = [];
  const collector = definePlugin({
    name: 'route-collector',
    version: '1.0.0',
    kernel: '^0.1.0',
    pipeline(app) {
      app.addHook('onRoute', (route: RouteOptions) => {
        for (const method of [route.method].flat()) {
          routes.push({ method: String(method), url: route.url, policy: route.config?.policy, hidden: Boolean((route.schema as { hide?: boolean } | undefined)?.hide) });
        }
      });
    },
  });
  const config = testConfig({ DOGAN_DEMO_TENANT: 'true' });
  const plugins = await resolveConfiguredPlugins(config, undefined, firstPartyPlugins);
  const kernel = await buildKernel({ config, plugins: [...plugins, collector], catalog: firstPartyPlugins });
  t.teardown(() => kernel.close());
  const demoKey = /DOGAN_DEMO_KEY=(\S+)/.exec(kernel.host.announcements.join('\n'))?.[1];
  if (!demoKey) throw new Error(`the demo tenant announced no key:\n${kernel.host.announcements.join('\n')}`);
  return { kernel, routes, demoKey };
}
