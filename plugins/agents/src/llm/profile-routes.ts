import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { LlmProfileService } from './profile-service.js';

export { llmMigrations } from './profiles.js';

const tags = ['agents'];
const read = { config: { policy: tenantPolicy('read') } };
/** Which models the tenant's agents use, with whose keys and at what price, is for the tenant's admins. */
const admin = { config: { policy: tenantPolicy('admin') } };
const tenantParam = { type: 'string', minLength: 3, maxLength: 63 } as const;
const profileName = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Profile name (lower case, digits, - and _)' } as const;
const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: tenantParam } } as const;
const named = { type: 'object', required: ['tenant', 'name'], properties: { tenant: tenantParam, name: profileName } } as const;
const price = { type: 'integer', minimum: 0, maximum: 100_000_000 } as const;

const fields = {
  kind: { type: 'string', enum: ['openai', 'anthropic'], description: 'openai: OpenAI and compatible servers (Ollama, vLLM, LM Studio); anthropic: the Messages API' },
  model: { type: 'string', minLength: 1, maxLength: 200, description: 'The model name the provider knows: gpt-4o-mini, claude-sonnet-4-5, llama3.1...' },
  baseUrl: {
    type: 'string',
    minLength: 1,
    maxLength: 2048,
    description: 'Default https://api.openai.com/v1 or https://api.anthropic.com; a local server as http://host:11434/v1 (private addresses only where the platform allows them)',
  },
  apiKey: { type: ['string', 'null'], maxLength: 500, description: 'Stored encrypted and never shown again; optional for local servers; on PUT, leave out to keep, null to remove' },
  inputHalalasPerMillionTokens: { ...price, description: 'Price per million input tokens in halalas (SAR 0.01), for cost budgets; default 0' },
  outputHalalasPerMillionTokens: { ...price, description: 'Price per million output tokens in halalas; default 0' },
  isDefault: { type: 'boolean', description: "Make it the tenant's default profile (the first profile is the default anyway)" },
} as const;

const createBody = { type: 'object', additionalProperties: false, required: ['name', 'kind', 'model'], properties: { name: profileName, ...fields } } as const;
const putBody = { type: 'object', additionalProperties: false, properties: fields } as const;

/**
 * A tenant's LLM profiles under `/api/v1/{tenant}/agents/llm-profiles`: admins create, change, delete
 * and test them; readers list them. Keys go in and never come out (a hint of their last four characters).
 */
export async function llmProfileRoutes(instance: FastifyInstance, profiles: LlmProfileService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  const base = '/api/v1/:tenant/agents/llm-profiles';

  app.get(base, { ...read, schema: { tags, summary: "The tenant's LLM profiles (never their keys)", params: tenantParams } }, async (request) => ({
    items: await profiles.list(tenantOf(request)),
  }));

  app.post(base, { ...admin, schema: { tags, summary: 'Create an LLM profile; the key is stored encrypted and never returned', params: tenantParams, body: createBody } }, async (request, reply) => {
    const { name, ...input } = request.body;
    return reply.code(201).send(await profiles.create(tenantOf(request), name, input));
  });

  app.get(`${base}/:name`, { ...read, schema: { tags, summary: 'One LLM profile: provider, model, URL, key hint, prices, default flag and health', params: named } }, async (request) =>
    profiles.get(tenantOf(request), request.params.name),
  );

  app.put(
    `${base}/:name`,
    { ...admin, schema: { tags, summary: 'Create or change an LLM profile; what is left out stays as it was', params: named, body: putBody } },
    async (request) => profiles.put(tenantOf(request), request.params.name, request.body),
  );

  app.delete(`${base}/:name`, { ...admin, schema: { tags, summary: 'Remove an LLM profile (the oldest remaining becomes the default)', params: named } }, async (request, reply) => {
    await profiles.remove(tenantOf(request), request.params.name);
    return reply.code(204).send();
  });

  app.post(
    `${base}/:name/test`,
    { ...admin, schema: { tags, summary: "One tiny chat call with the stored profile; the outcome is answered and kept as the profile's health", params: named } },
    async (request) => profiles.test(tenantOf(request), request.params.name),
  );
}
