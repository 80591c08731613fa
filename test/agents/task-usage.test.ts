import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { buildKernel, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin from '@dogan/tenants';
import ksaPlugin from '@dogan/plugin-ksa';
import { createBillingPlugin } from '@dogan/plugin-billing';
import agentsPlugin from '@dogan/plugin-agents';
import { firstPartyPlugins } from '@dogan/distribution';
import { withEngine } from '../helpers/engines.js';
import { adminHeaders } from '../helpers/tenant-fixtures.js';
import { startLlmSimulator } from '../simulators/llm/index.js';

void withEngine(t, "agent runs, tokens and model cost show in the tenant's usage, and only its own", 'sqlite', async (t, engine) => {
  const config = engine.config({ AGENTS_LLM_ALLOW_PRIVATE_NETWORKS: 'true', AGENTS_POLL_INTERVAL_MS: '50' });
  const kernel = await buildKernel({
    config,
    plugins: [tenantsPlugin, ksaPlugin as PluginDefinition, createBillingPlugin({ flushIntervalMs: 3_600_000, cycleIntervalMs: 0 }) as PluginDefinition, agentsPlugin as PluginDefinition],
    catalog: firstPartyPlugins,
  });
  t.teardown(async () => {
    await kernel.close();
    if (config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  const sim = await startLlmSimulator();
  t.teardown(() => sim.close());
  const app = kernel.app;
  const tenant = async (subdomain: string) => {
    const created = await app.inject({ method: 'POST', url: '/api/admin/tenants', headers: adminHeaders, payload: { name: subdomain, subdomain, plan: 'professional' } });
    const id = (created.json() as { id: string }).id;
    const key = await app.inject({ method: 'POST', url: `/api/admin/tenants/${id}/api-keys`, headers: adminHeaders, payload: { name: 'test', scopes: ['read', 'write', 'admin'] } });
    const headers = { authorization: `Bearer ${(key.json() as { key: string }).key}` };
    return { id, call: (method: 'GET' | 'POST' | 'PUT', path: string, payload?: object) => app.inject({ method, url: `/api/v1/${subdomain}${path}`, headers, ...(payload ? { payload } : {}) }) };
  };
  const acme = await tenant('acme');
  const globex = await tenant('globex');
  await acme.call('PUT', '/agents/llm-profiles/default', { kind: 'openai', model: 'm', baseUrl: `${sim.url}/v1`, apiKey: sim.apiKey, inputHalalasPerMillionTokens: 500_000, outputHalalasPerMillionTokens: 1_500_000 });
  const agentId = ((await acme.call('GET', '/agents')).json() as { items: Array<{ id: string }> }).items[0]!.id;
  sim.on('Greet the customer', { text: 'مرحباً', usage: { input: 1000, output: 200 } });
  const created = await acme.call('POST', '/agents/tasks', { title: 'Greet the customer', agentId });
  t.equal(created.statusCode, 201, created.body);
  const id = (created.json() as { id: string }).id;
  for (let i = 0; i < 2400; i++) {
    if (((await acme.call('GET', `/agents/tasks/${id}`)).json() as { status: string }).status === 'completed') break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const usage = (await acme.call('GET', '/dashboard/usage')).json() as { counters: Record<string, { used: number; limit: number | null }> };
  t.match(usage.counters, { agentRunsThisMonth: { used: 1, limit: null }, agentTokensThisMonth: { used: 1200, limit: null }, agentCostHalalasThisMonth: { used: 500 + 300, limit: null } });
  const theirs = (await globex.call('GET', '/dashboard/usage')).json() as { counters: Record<string, { used: number }> };
  t.match(theirs.counters, { agentRunsThisMonth: { used: 0 }, agentTokensThisMonth: { used: 0 }, agentCostHalalasThisMonth: { used: 0 } }, 'the second tenant counts none of it');
});
