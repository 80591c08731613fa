import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { firstPartyPlugins } from '@dogan/distribution';
import { buildKernel, createLogger, eventBusRef, type Kernel, type PlatformEvent, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin from '@dogan/tenants';
import eventsPlugin from '@dogan/plugin-events';
import erpnextPlugin from '@dogan/plugin-erpnext';
import type { TestEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';

/** What ERPNext suites run with: the simulator on loopback, fast syncs. */
export const ERPNEXT_ENV = {
  ERPNEXT_ALLOW_PRIVATE_NETWORKS: 'true',
  ERPNEXT_TIMEOUT_MS: '3000',
  ERPNEXT_SYNC_INTERVAL_MS: '100000',
};

export interface ErpnextKernel {
  readonly kernel: Kernel;
  readonly app: FastifyInstance;
  /** Every log line the kernel wrote (debug and up), as text: secrets must never be in it. */
  readonly logText: () => string;
  /** Events published on the bus so far, oldest first (an every-node consumer of `erpnext.*`). */
  readonly events: PlatformEvent[];
}

/** A kernel with tenants, events (in-process bus) and erpnext (and `extra`) on `engine`, logging at debug into memory. */
export async function startErpnextKernel(
  t: { teardown(fn: () => unknown): void },
  engine: TestEngine,
  env: Record<string, string> = {},
  extra: PluginDefinition[] = [],
): Promise<ErpnextKernel> {
  const lines: string[] = [];
  const config = engine.config({ ...ERPNEXT_ENV, LOG_LEVEL: 'debug', ...env });
  const logger = createLogger(config, { write: (line: string) => void lines.push(line) });
  const kernel = await buildKernel({
    config,
    logger,
    plugins: [tenantsPlugin, eventsPlugin as PluginDefinition, ...extra, erpnextPlugin as PluginDefinition],
    catalog: firstPartyPlugins,
  });
  t.teardown(async () => {
    await kernel.close();
    if (config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  const events: PlatformEvent[] = [];
  const bus = kernel.host.service(eventBusRef);
  const subscription = await bus.subscribe({ name: 'test.erpnext-events', delivery: 'every-node', types: ['erpnext.*'], handle: async (event) => void events.push(event) });
  t.teardown(() => subscription.close());
  return { kernel, app: kernel.app, logText: () => lines.join(''), events };
}

export type TestTenant = Awaited<ReturnType<typeof createTenantWithKey>>;

/** A tenant on the Professional plan (ERPNext is in it) with an admin key. */
export async function createTenant(app: FastifyInstance, subdomain: string): Promise<TestTenant> {
  return createTenantWithKey(app, { name: subdomain, subdomain });
}

/** Saves a tenant's connection to a site through the API; fails the test on a refusal. */
export async function connect(app: FastifyInstance, tenant: TestTenant, site: { url: string; apiKey: string; apiSecret: string }, name?: string): Promise<Record<string, unknown>> {
  const res = await app.inject({
    method: 'PUT',
    url: name ? `/api/v1/${tenant.subdomain}/erpnext/connections/${name}` : `/api/v1/${tenant.subdomain}/erpnext/connection`,
    headers: tenant.headers,
    payload: { baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret },
  });
  if (res.statusCode !== 200) throw new Error(`connection not saved: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

export interface CreatedHook {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly erpnextWebhooks: Array<Record<string, unknown> & { webhook_docevent: string; request_url: string; webhook_json: string; webhook_secret: string; webhook_headers: Array<{ key: string; value: string }> }>;
}

export async function createHook(app: FastifyInstance, tenant: TestTenant, body: Record<string, unknown>): Promise<CreatedHook> {
  const res = await app.inject({ method: 'POST', url: `/api/v1/${tenant.subdomain}/erpnext/hooks`, headers: tenant.headers, payload: body });
  if (res.statusCode !== 201) throw new Error(`hook not created: ${res.statusCode} ${res.body}`);
  return res.json() as CreatedHook;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Lets the outbox relay and the in-process bus hand over what was recorded, then gives the events seen. */
export async function settle(ms = 300): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}
