import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { firstPartyPlugins } from '@dogan/distribution';
import { buildKernel, eventBusRef, type Kernel, type PlatformEvent, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin, { tenantsApiRef, type Tenant, type TenantsApi } from '@dogan/tenants';
import ksaPlugin from '@dogan/plugin-ksa';
import eventsPlugin from '@dogan/plugin-events';
import { createBillingPlugin } from '@dogan/plugin-billing';
import agentsPlugin from '@dogan/plugin-agents';
import type { TestEngine } from '../helpers/engines.js';
import { adminHeaders } from '../helpers/tenant-fixtures.js';

export { adminHeaders };

export interface AgentsKernel {
  readonly kernel: Kernel;
  readonly app: FastifyInstance;
  readonly api: TenantsApi;
  /** `agent.*` events published on the bus so far, oldest first (with `events: true`). */
  readonly events: PlatformEvent[];
}

/**
 * A kernel with tenants and agents on `engine`; `billing` adds KSA and billing (no payment provider,
 * no timers), `events` the events plugin (in-process bus) with a consumer of `agent.*`.
 */
export async function startAgentsKernel(t: { teardown(fn: () => unknown): void }, engine: TestEngine, options: { billing?: boolean; events?: boolean } = {}): Promise<AgentsKernel> {
  const config = engine.config({ TENANT_ORM_CACHE_SIZE: '8' });
  const plugins: PluginDefinition[] = [tenantsPlugin];
  if (options.billing) plugins.push(ksaPlugin as PluginDefinition, createBillingPlugin({ flushIntervalMs: 3_600_000, cycleIntervalMs: 0 }) as PluginDefinition);
  if (options.events) plugins.push(eventsPlugin as PluginDefinition);
  plugins.push(agentsPlugin as PluginDefinition);
  const kernel = await buildKernel({ config, plugins, catalog: firstPartyPlugins });
  t.teardown(async () => {
    await kernel.close();
    if (config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  const events: PlatformEvent[] = [];
  if (options.events) {
    const subscription = await kernel.host.service(eventBusRef).subscribe({ name: 'test.agent-events', delivery: 'every-node', types: ['agent.*'], handle: async (event) => void events.push(event) });
    t.teardown(() => subscription.close());
  }
  return { kernel, app: kernel.app, api: kernel.host.service(tenantsApiRef), events };
}

export interface TestTenant {
  readonly id: string;
  readonly subdomain: string;
  readonly headers: Record<string, string>;
  readonly record: Tenant;
}

/** A tenant on `plan` with an API key of the given scopes (all three by default). */
export async function createTenant(
  ak: AgentsKernel,
  subdomain: string,
  options: { plan?: 'starter' | 'professional' | 'enterprise'; locale?: 'ar' | 'en'; scopes?: string[] } = {},
): Promise<TestTenant> {
  const body = { name: subdomain, subdomain, plan: options.plan ?? 'starter', ...(options.locale ? { locale: options.locale } : {}) };
  const created = await ak.app.inject({ method: 'POST', url: '/api/admin/tenants', headers: adminHeaders, payload: body });
  if (created.statusCode !== 201) throw new Error(`tenant not created: ${created.statusCode} ${created.body}`);
  const { id } = created.json() as { id: string };
  const key = await ak.app.inject({ method: 'POST', url: `/api/admin/tenants/${id}/api-keys`, headers: adminHeaders, payload: { name: 'test', scopes: options.scopes ?? ['read', 'write', 'admin'] } });
  if (key.statusCode !== 201) throw new Error(`key not created: ${key.statusCode} ${key.body}`);
  return { id, subdomain, headers: { authorization: `Bearer ${(key.json() as { key: string }).key}` }, record: await ak.api.tenants.get(id) };
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Calls under `/api/v1/{tenant}` with the tenant's key: `call('POST', '/agents', body)`. */
export function caller(app: FastifyInstance, tenant: TestTenant) {
  return (method: Method, path: string, payload?: object): Promise<LightMyRequestResponse> =>
    app.inject({ method, url: `/api/v1/${tenant.subdomain}${path}`, headers: tenant.headers, ...(payload ? { payload } : {}) });
}

export type Call = ReturnType<typeof caller>;

let n = 0;
/** A valid new agent's body; `extra` overrides. */
export function agentBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return { name: { ar: `وكيل ${n}`, en: `Agent ${n}` }, title: { ar: 'مسؤول', en: 'Officer' }, role: 'officer', department: 'operations', ...extra };
}

/** Creates an agent through the API; fails the test on a refusal. */
export async function createAgent(call: Call, extra: Record<string, unknown> = {}): Promise<{ id: string } & Record<string, any>> {
  const res = await call('POST', '/agents', agentBody(extra));
  if (res.statusCode !== 201) throw new Error(`agent not created: ${res.statusCode} ${res.body}`);
  return res.json();
}

export async function createTeam(call: Call, extra: Record<string, unknown> = {}): Promise<{ id: string } & Record<string, any>> {
  const res = await call('POST', '/agents/teams', { name: { ar: 'فريق', en: 'Team' }, department: 'operations', ...extra });
  if (res.statusCode !== 201) throw new Error(`team not created: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Every agent of the tenant, through the list (100 a page). */
export async function allAgents(call: Call): Promise<Array<Record<string, any>>> {
  const out: Array<Record<string, any>> = [];
  for (let page = 1; ; page++) {
    const body = (await call('GET', `/agents?perPage=100&page=${page}`)).json();
    out.push(...body.items);
    if (out.length >= body.total || body.items.length === 0) return out;
  }
}

/** Deletes every agent and team of the tenant (the defaults of provisioning among them): leaves first. */
export async function clearOrg(call: Call): Promise<void> {
  for (const team of (await call('GET', '/agents/teams')).json().items) await call('DELETE', `/agents/teams/${team.id}`);
  for (;;) {
    const agents = await allAgents(call);
    if (agents.length === 0) return;
    const managers = new Set(agents.map((a) => a.manager));
    for (const a of agents.filter((a) => !managers.has(a.id))) {
      const res = await call('DELETE', `/agents/${a.id}`);
      if (res.statusCode !== 204) throw new Error(`agent not deleted: ${res.statusCode} ${res.body}`);
    }
  }
}

export const PROBLEM = /^application\/problem\+json/;
