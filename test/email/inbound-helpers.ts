import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildKernel, eventBusRef, type PlatformEvent, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin from '@dogan/tenants';
import eventsPlugin from '@dogan/plugin-events';
import emailPlugin, { type EmailReceivedPayload } from '@dogan/plugin-email';
import type { TestEngine } from '../helpers/engines.js';

/**
 * A kernel with tenants, events (in-process bus) and the email plugin as the platform loads it, on
 * `engine` with `env`; `events` collects every `email.*` event published.
 */
export async function startInboundKernel(
  t: { teardown(fn: () => unknown): void },
  engine: TestEngine,
  env: Record<string, string>,
): Promise<{ app: FastifyInstance; events: Array<PlatformEvent<EmailReceivedPayload>> }> {
  const config = engine.config(env);
  const kernel = await buildKernel({ config, plugins: [tenantsPlugin, eventsPlugin as PluginDefinition, emailPlugin as PluginDefinition] });
  t.teardown(async () => {
    await kernel.close();
    if (config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  const events: Array<PlatformEvent<EmailReceivedPayload>> = [];
  const subscription = await kernel.host.service(eventBusRef).subscribe({
    name: 'test.email-received',
    delivery: 'every-node',
    types: ['email.*'],
    handle: async (event) => void events.push(event as PlatformEvent<EmailReceivedPayload>),
  });
  t.teardown(() => subscription.close());
  return { app: kernel.app, events };
}

/** Polls until `probe` gives a value. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
