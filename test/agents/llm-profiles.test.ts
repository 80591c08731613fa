/**
 * Per-tenant LLM profiles through their routes and service, on both engines, with the LLM simulator as
 * the provider: validation, keys encrypted and never shown, merge on PUT, the default profile, the
 * test call and the health it records, providerFor with the profile's model and prices, policies.
 *
 * The agents plugin's index is wired elsewhere, so the routes run here in a small test plugin that
 * declares what the index will: the config spec, the tenant migration, the service and the routes.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import t from 'tap';
import { firstPartyPlugins } from '@dogan/distribution';
import { buildKernel, createLogger, createSecretBox, definePlugin, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin, { tenantsApiRef } from '@dogan/tenants';
import { llmConfigSchema } from '../../plugins/agents/src/llm/llm-config.js';
import { LlmProfileService, type LlmProfileTestResult, type LlmProfileView } from '../../plugins/agents/src/llm/profile-service.js';
import { llmMigrations, llmProfileRoutes } from '../../plugins/agents/src/llm/profile-routes.js';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { adminHeaders, createTenantWithKey } from '../helpers/tenant-fixtures.js';
import { startLlmSimulator } from '../simulators/llm/index.js';

type Problem = { code: string; detail: string; status: number };

/** What the agents plugin's index will declare for the LLM layer, as a plugin of its own. */
function llmTestPlugin(onService: (service: LlmProfileService) => void): PluginDefinition {
  return definePlugin({
    name: 'agents-llm-test',
    version: '0.1.0',
    kernel: '^0.1.0',
    config: llmConfigSchema,
    deps: { tenants: tenantsApiRef },
    tenantMigrations: llmMigrations,
    init(ctx) {
      const service = new LlmProfileService({ tenants: ctx.deps.tenants, box: createSecretBox(ctx.config), config: ctx.config, log: ctx.log, retry: { attempts: 2, baseDelayMs: 1 } });
      onService(service);
      return service;
    },
    async routes(app, _ctx, service) {
      await llmProfileRoutes(app, service);
    },
    async onClose(_ctx, service) {
      await service.close();
    },
  }) as PluginDefinition;
}

async function start(t: Parameters<Parameters<typeof forEachEngine>[2]>[0], engine: TestEngine) {
  const lines: string[] = [];
  const config = engine.config({ AGENTS_LLM_ALLOW_PRIVATE_NETWORKS: 'true', AGENTS_LLM_TIMEOUT_MS: '5000', LOG_LEVEL: 'debug' });
  const logger = createLogger(config, { write: (line: string) => void lines.push(line) });
  let service!: LlmProfileService;
  const kernel = await buildKernel({ config, logger, plugins: [tenantsPlugin, llmTestPlugin((s) => (service = s))], catalog: firstPartyPlugins });
  t.teardown(async () => {
    await kernel.close();
    if (config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  return { kernel, app: kernel.app, service, logText: () => lines.join('') };
}

forEachEngine(t, 'LLM profiles: validated, keys encrypted and never shown, tested, turned into providers', async (t, engine) => {
  const { kernel, app, service, logText } = await start(t, engine);
  const sim = await startLlmSimulator();
  t.teardown(() => sim.close());
  const acme = await createTenantWithKey(app, { name: 'acme', subdomain: 'acme' });
  const url = '/api/v1/acme/agents/llm-profiles';
  const post = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url, headers: acme.headers, payload });
  const put = (name: string, payload: Record<string, unknown>) => app.inject({ method: 'PUT', url: `${url}/${name}`, headers: acme.headers, payload });
  const wrongKey = 'sk-ant-wrong-0123456789abcdef';

  await t.test('bad input is refused and nothing is saved', async (t) => {
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ['an unknown kind', { name: 'x', kind: 'gemini', model: 'm' }, 400, 'VALIDATION_FAILED'],
      ['no model', { name: 'x', kind: 'openai', baseUrl: `${sim.url}/v1` }, 400, 'VALIDATION_FAILED'],
      ['a bad name', { name: 'Not OK', kind: 'openai', model: 'm', baseUrl: `${sim.url}/v1` }, 400, 'VALIDATION_FAILED'],
      ['a price in fractions', { name: 'x', kind: 'openai', model: 'm', baseUrl: `${sim.url}/v1`, inputHalalasPerMillionTokens: 1.5 }, 400, 'VALIDATION_FAILED'],
      ['not http', { name: 'x', kind: 'openai', model: 'm', baseUrl: 'ftp://127.0.0.1/v1' }, 400, 'LLM_URL_INVALID'],
      ['credentials in the URL', { name: 'x', kind: 'openai', model: 'm', baseUrl: 'http://user:pw@127.0.0.1/v1' }, 400, 'LLM_URL_INVALID'],
      ['a query in the URL', { name: 'x', kind: 'openai', model: 'm', baseUrl: `${sim.url}/v1?key=abc` }, 400, 'LLM_URL_INVALID'],
      ['OpenAI without a key', { name: 'x', kind: 'openai', model: 'gpt-4o-mini' }, 400, 'LLM_PROFILE_INVALID'],
      ['a key with spaces', { name: 'x', kind: 'openai', model: 'm', baseUrl: `${sim.url}/v1`, apiKey: 'sk two words' }, 400, 'LLM_PROFILE_INVALID'],
      ['a name that does not resolve', { name: 'x', kind: 'openai', model: 'm', baseUrl: 'https://llm.invalid/v1', apiKey: 'k' }, 502, 'LLM_UNREACHABLE'],
    ];
    for (const [what, payload, status, code] of cases) {
      const res = await post(payload);
      t.equal(res.statusCode, status, `${what}: ${status}`);
      t.equal((res.json() as Problem).code, code, `${what}: ${code}`);
    }
    const list = await app.inject({ url, headers: acme.headers });
    t.same(list.json(), { items: [] }, 'nothing was saved');
    const none = await service.providerFor(acme.id).catch((e: Problem) => e);
    t.equal((none as Problem).code, 'LLM_NO_PROFILE');
  });

  let local: LlmProfileView;
  await t.test('profiles are created with their key encrypted, shown only as a hint; the first is the default', async (t) => {
    const res = await post({ name: 'local', kind: 'openai', model: 'llama3.1', baseUrl: `${sim.url}/v1/`, apiKey: sim.apiKey, inputHalalasPerMillionTokens: 300, outputHalalasPerMillionTokens: 1200 });
    t.equal(res.statusCode, 201, res.body);
    local = res.json() as LlmProfileView;
    t.match(local, {
      name: 'local',
      kind: 'openai',
      model: 'llama3.1',
      baseUrl: `${sim.url}/v1`,
      hasApiKey: true,
      apiKeyHint: `…${sim.apiKey.slice(-4)}`,
      inputHalalasPerMillionTokens: 300,
      outputHalalasPerMillionTokens: 1200,
      isDefault: true,
      health: { status: 'unknown', checkedAt: null, lastError: null },
    });
    const again = await post({ name: 'local', kind: 'openai', model: 'other', baseUrl: `${sim.url}/v1` });
    t.equal(again.statusCode, 409);
    t.equal((again.json() as Problem).code, 'LLM_PROFILE_EXISTS');

    const claude = await post({ name: 'claude', kind: 'anthropic', model: 'claude-haiku-4-5', baseUrl: sim.url, apiKey: sim.apiKey, isDefault: true });
    t.equal(claude.statusCode, 201);
    t.equal((claude.json() as LlmProfileView).isDefault, true, 'saved as the default');
    const list = (await app.inject({ url, headers: acme.headers })).json() as { items: LlmProfileView[] };
    t.same(
      list.items.map((p) => [p.name, p.isDefault]),
      [
        ['local', false],
        ['claude', true],
      ],
      'one default at a time',
    );
    for (const path of [url, `${url}/local`, `${url}/claude`]) {
      const body = (await app.inject({ url: path, headers: acme.headers })).body;
      t.notOk(body.includes(sim.apiKey), `${path} does not show the key`);
    }
    const tenant = await kernel.host.service(tenantsApiRef).tenants.get(acme.id);
    const rows = await engine.tenantRows(tenant.databaseName, 'SELECT api_key FROM agents_llm_profiles');
    t.equal(rows.length, 2);
    t.ok(
      rows.every((r) => String(r.api_key).startsWith('dgnenc:v1:') && !String(r.api_key).includes(sim.apiKey)),
      'stored as secret-box ciphertext',
    );
  });

  await t.test('the test call asks the model one tiny question and records the outcome as health', async (t) => {
    sim.script({ text: 'OK', usage: { input: 14, output: 1 } });
    const ok = await app.inject({ method: 'POST', url: `${url}/local/test`, headers: acme.headers });
    t.equal(ok.statusCode, 200);
    const result = ok.json() as LlmProfileTestResult;
    t.match(result, { ok: true, reply: 'OK', model: 'llama3.1', usage: { inputTokens: 14, outputTokens: 1 }, error: null, profile: { name: 'local', health: { status: 'ok' } } });
    t.ok(result.latencyMs >= 0);
    const asked = sim.requests[sim.requests.length - 1]!;
    t.equal(asked.format, 'openai');
    t.match(asked.body, { model: 'llama3.1', max_tokens: 16, temperature: 0 });

    const changed = await put('claude', { apiKey: wrongKey });
    t.equal(changed.statusCode, 200);
    t.match(changed.json(), { hasApiKey: true, apiKeyHint: `…${wrongKey.slice(-4)}`, model: 'claude-haiku-4-5', isDefault: true, health: { status: 'unknown' } }, 'the rest stayed');
    const refused = await app.inject({ method: 'POST', url: `${url}/claude/test`, headers: acme.headers });
    t.equal(refused.statusCode, 200, 'a failed test is an answer, not an error');
    t.match(refused.json(), { ok: false, reply: null, error: { code: 'LLM_CREDENTIALS_REFUSED' }, profile: { health: { status: 'failing', lastError: { code: 'LLM_CREDENTIALS_REFUSED' } } } });
    t.notOk(refused.body.includes(wrongKey), 'the wrong key is not in the answer');
    t.equal(sim.rejected.length, 1, 'the simulator refused the wrong key');
  });

  await t.test('PUT changes what it names and keeps the rest; null removes the key', async (t) => {
    const res = await put('local', { model: 'qwen2.5', outputHalalasPerMillionTokens: 1500 });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { model: 'qwen2.5', baseUrl: `${sim.url}/v1`, hasApiKey: true, apiKeyHint: local.apiKeyHint, inputHalalasPerMillionTokens: 300, outputHalalasPerMillionTokens: 1500, isDefault: false });
    const created = await put('vllm', { kind: 'openai', model: 'mistral-7b', baseUrl: `${sim.url}/v1` });
    t.equal(created.statusCode, 200, 'PUT creates a profile that does not exist');
    t.match(created.json(), { name: 'vllm', hasApiKey: false, apiKeyHint: null, inputHalalasPerMillionTokens: 0 });
    const incomplete = await put('nothing', { model: 'm' });
    t.equal((incomplete.json() as Problem).code, 'LLM_PROFILE_INVALID', 'a new profile needs a kind');
    const cleared = await put('vllm', { apiKey: null });
    t.match(cleared.json(), { hasApiKey: false });
    const missing = await app.inject({ url: `${url}/nope`, headers: acme.headers });
    t.equal(missing.statusCode, 404);
    t.equal((missing.json() as Problem).code, 'LLM_PROFILE_NOT_FOUND');
  });

  await t.test("providerFor gives the profile's provider: its model, its key, its prices", async (t) => {
    await put('claude', { apiKey: sim.apiKey });
    const byDefault = await service.providerFor(acme.id);
    t.equal(byDefault.kind, 'anthropic');
    t.equal(byDefault.profile, 'claude');
    sim.script({ text: 'Hello from Claude.', usage: { input: 10, output: 5 } });
    const hello = await byDefault.chat({ messages: [{ role: 'user', content: 'hi' }], stream: true });
    t.equal(hello.text, 'Hello from Claude.');
    t.match(sim.requests[sim.requests.length - 1]!.body, { model: 'claude-haiku-4-5', max_tokens: 1024, stream: true });
    t.equal(byDefault.costHalalas(hello.usage), 0, 'no prices, no cost');

    const priced = await service.providerFor(await service.tenant('acme'), 'local');
    t.equal(priced.kind, 'openai');
    t.equal(priced.model, 'qwen2.5');
    t.equal(await service.providerFor(acme.id, 'local'), priced, 'kept while the profile is unchanged');
    sim.script({ toolCalls: [{ name: 'lookup', arguments: { q: 'x' } }], usage: { input: 1000, output: 500 } });
    const called = await priced.chat({ messages: [{ role: 'user', content: 'find x' }], tools: [{ name: 'lookup', description: 'Look up', inputSchema: { type: 'object' } }], model: 'qwen2.5-72b' });
    t.equal(called.toolCalls[0]!.name, 'lookup');
    t.equal(sim.requests[sim.requests.length - 1]!.body.model, 'qwen2.5-72b', 'a request may name another model');
    t.equal(priced.costMicroHalalas(called.usage), 1000 * 300 + 500 * 1500, 'exact: tokens × price per million');
    t.equal(priced.costHalalas(called.usage), 2, 'whole halalas, rounded up');
    t.equal(priced.cost({ inputTokens: 2_000_000, outputTokens: 1_000_000 }), 600 + 1500);

    await put('local', { model: 'qwen3' });
    t.not(await service.providerFor(acme.id, 'local'), priced, 'a changed profile gets a new provider');
    const missing = await service.providerFor(acme.id, 'nope').catch((e: Problem) => e);
    t.equal((missing as Problem).code, 'LLM_PROFILE_NOT_FOUND');
  });

  await t.test('readers read, only admins change; deleting the default makes the oldest the default', async (t) => {
    const keyRes = await app.inject({ method: 'POST', url: `/api/admin/tenants/${acme.id}/api-keys`, headers: adminHeaders, payload: { name: 'reader', scopes: ['read'] } });
    const reader = { authorization: `Bearer ${(keyRes.json() as { key: string }).key}` };
    t.equal((await app.inject({ url, headers: reader })).statusCode, 200, 'a reader lists');
    t.equal((await app.inject({ url: `${url}/local`, headers: reader })).statusCode, 200, 'a reader reads one');
    for (const [method, path] of [
      ['POST', url],
      ['PUT', `${url}/local`],
      ['DELETE', `${url}/local`],
      ['POST', `${url}/local/test`],
    ] as const) {
      const res = await app.inject({ method, url: path, headers: reader, ...(method === 'DELETE' || path.endsWith('/test') ? {} : { payload: { name: 'x', kind: 'openai', model: 'm' } }) });
      t.equal(res.statusCode, 403, `${method} ${path} is for admins`);
    }
    const removed = await app.inject({ method: 'DELETE', url: `${url}/claude`, headers: acme.headers });
    t.equal(removed.statusCode, 204);
    t.equal((await service.get(await service.tenant(acme.id))).name, 'local', 'the oldest remaining is the default');
    const again = await app.inject({ method: 'DELETE', url: `${url}/claude`, headers: acme.headers });
    t.equal(again.statusCode, 404);
  });

  await t.test("a second tenant sees none of acme's profiles and cannot use or change them", async (t) => {
    const globex = await createTenantWithKey(app, { name: 'globex', subdomain: 'globex' });
    const acmeProfiles = (await app.inject({ url, headers: acme.headers })).json() as { items: Array<{ name: string }> };
    t.ok(acmeProfiles.items.length > 0, 'acme has profiles');
    const theirs = await app.inject({ url: '/api/v1/globex/agents/llm-profiles', headers: globex.headers });
    t.same((theirs.json() as { items: unknown[] }).items, [], 'globex lists none');
    const name = acmeProfiles.items[0]!.name;
    t.equal((await app.inject({ url: `/api/v1/globex/agents/llm-profiles/${name}`, headers: globex.headers })).statusCode, 404, "acme's profile by name is not globex's");
    t.equal((await app.inject({ method: 'POST', url: `/api/v1/globex/agents/llm-profiles/${name}/test`, headers: globex.headers })).statusCode, 404, 'nor can globex test it');
    t.equal((await app.inject({ method: 'DELETE', url: `${url}/${name}`, headers: globex.headers })).statusCode, 403, "globex's key is refused on acme's routes");
    await t.rejects(service.providerFor(await service.tenant(globex.id), name), { code: 'LLM_PROFILE_NOT_FOUND' }, "and no provider of acme's profile for globex");
  });

  await t.test('keys are nowhere in the logs', async (t) => {
    const logs = logText();
    t.ok(logs.includes('llm request'), 'requests were logged');
    t.notOk(logs.includes(sim.apiKey), 'not the key');
    t.notOk(logs.includes(wrongKey), 'not the wrong key');
    t.same(sim.unscripted, []);
  });
});
