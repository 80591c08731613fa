import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { firstPartyPlugins } from '@dogan/distribution';
import { buildKernel, eventBusRef, type Kernel, type PlatformEvent, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin, { tenantsApiRef, type TenantsApi } from '@dogan/tenants';
import ksaPlugin from '@dogan/plugin-ksa';
import eventsPlugin from '@dogan/plugin-events';
import { createBillingPlugin } from '@dogan/plugin-billing';
import agentsPlugin from '@dogan/plugin-agents';
import emailPlugin from '@dogan/plugin-email';
import { createWorkflowsPlugin } from '@dogan/plugin-workflows';
import type { TestEngine } from '../helpers/engines.js';
import { adminHeaders } from '../helpers/tenant-fixtures.js';

export { adminHeaders };

/** Fast polls, so runs move in milliseconds; HTTP steps may reach the test's own loopback servers. */
export const WORKFLOW_ENV = {
  WORKFLOWS_POLL_INTERVAL_MS: '50',
  WORKFLOWS_SCHEDULE_TICK_MS: '60000',
  WORKFLOWS_AGENT_POLL_MS: '50',
  WORKFLOWS_RUN_CLAIM_MS: '2000',
  WORKFLOWS_HTTP_ALLOW_PRIVATE_NETWORKS: 'true',
  AGENTS_POLL_INTERVAL_MS: '50',
  AGENTS_LLM_ALLOW_PRIVATE_NETWORKS: 'true',
};

export interface WorkflowsKernel {
  readonly kernel: Kernel;
  readonly app: FastifyInstance;
  readonly api: TenantsApi;
  /** `workflow.*` events published so far, oldest first. */
  readonly events: PlatformEvent[];
}

/**
 * A kernel with tenants, KSA, billing (no payment provider, no timers), events (in-process bus),
 * agents, email and workflows on `engine`. `now` is the clock schedules are read by; `extra` adds
 * plugins loaded before workflows (ERPNext, modules).
 */
export async function startWorkflowsKernel(
  t: { teardown(fn: () => unknown): void },
  engine: TestEngine,
  options: { env?: Record<string, string>; now?: () => number; extra?: PluginDefinition[]; keepData?: boolean } = {},
): Promise<WorkflowsKernel> {
  const config = engine.config({ TENANT_ORM_CACHE_SIZE: '8', ...WORKFLOW_ENV, ...options.env });
  const plugins: PluginDefinition[] = [
    tenantsPlugin,
    ksaPlugin as PluginDefinition,
    createBillingPlugin({ flushIntervalMs: 3_600_000, cycleIntervalMs: 0 }) as PluginDefinition,
    eventsPlugin as PluginDefinition,
    ...(options.extra ?? []),
    agentsPlugin as PluginDefinition,
    emailPlugin as PluginDefinition,
    createWorkflowsPlugin(options.now ? { now: options.now } : {}) as PluginDefinition,
  ];
  const kernel = await buildKernel({ config, plugins, catalog: firstPartyPlugins });
  t.teardown(async () => {
    await kernel.close();
    if (!options.keepData && config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  const events: PlatformEvent[] = [];
  const subscription = await kernel.host.service(eventBusRef).subscribe({ name: `test.workflow-events.${Math.random()}`, delivery: 'every-node', types: ['workflow.*'], handle: async (event) => void events.push(event) });
  t.teardown(() => subscription.close());
  return { kernel, app: kernel.app, api: kernel.host.service(tenantsApiRef), events };
}

export interface TestTenant {
  readonly id: string;
  readonly subdomain: string;
  readonly headers: Record<string, string>;
  readonly call: (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, payload?: object, headers?: Record<string, string>) => Promise<LightMyRequestResponse>;
}

/** A tenant on `plan` with an admin key; `call('POST', '/workflows', body)` calls under `/api/v1/{tenant}`. */
export async function createTenant(app: FastifyInstance, subdomain: string, options: { plan?: 'starter' | 'professional' | 'enterprise'; locale?: 'ar' | 'en' } = {}): Promise<TestTenant> {
  const body = { name: subdomain, subdomain, plan: options.plan ?? 'professional', ...(options.locale ? { locale: options.locale } : {}) };
  const created = await app.inject({ method: 'POST', url: '/api/admin/tenants', headers: adminHeaders, payload: body });
  if (created.statusCode !== 201) throw new Error(`tenant not created: ${created.statusCode} ${created.body}`);
  const { id } = created.json() as { id: string };
  const key = await app.inject({ method: 'POST', url: `/api/admin/tenants/${id}/api-keys`, headers: adminHeaders, payload: { name: 'test', scopes: ['read', 'write', 'admin'] } });
  if (key.statusCode !== 201) throw new Error(`key not created: ${key.statusCode} ${key.body}`);
  const headers = { authorization: `Bearer ${(key.json() as { key: string }).key}` };
  const call: TestTenant['call'] = (method, path, payload, extra) =>
    app.inject({ method, url: `/api/v1/${subdomain}${path}`, headers: { ...headers, ...extra }, ...(payload ? { payload } : {}) });
  return { id, subdomain, headers, call };
}

/** Saves a workflow; fails the test on a refusal. */
export async function createWorkflow(tenant: TestTenant, definition: Record<string, unknown>): Promise<Record<string, any> & { id: string }> {
  const res = await tenant.call('POST', '/workflows', definition);
  if (res.statusCode !== 201) throw new Error(`workflow not created: ${res.statusCode} ${res.body}`);
  return res.json();
}

export type Run = Record<string, any> & { id: string; status: string; steps: Array<Record<string, any>> };

/** Polls a run until `until` holds (default: it ended). */
export async function waitRun(tenant: TestTenant, workflowId: string, runId: string, until: (run: Run) => boolean = (r) => ['completed', 'failed', 'cancelled'].includes(r.status), timeoutMs = 30_000): Promise<Run> {
  const deadline = Date.now() + timeoutMs;
  let last: Run | undefined;
  while (Date.now() < deadline) {
    last = (await tenant.call('GET', `/workflows/${workflowId}/runs/${runId}`)).json() as Run;
    if (until(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`run ${runId} did not get there: ${JSON.stringify(last)}`);
}

/** Polls until `probe` gives a value. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const PROBLEM = /^application\/problem\+json/;
