import { isIP } from 'node:net';
import { isPublicAddress, type DoganError, type PluginContext, type SecretBox } from '@dogan/runtime';
import type { Tenant, TenantsApi } from '@dogan/tenants';
import type { Dispatcher } from 'undici';
import { checkLlmAddress, llmDispatcher, parseLlmBaseUrl } from './address.js';
import { AnthropicProvider } from './anthropic-provider.js';
import { LlmLimiter } from './limiter.js';
import type { LlmConfig } from './llm-config.js';
import { LlmErrors } from './llm-errors.js';
import { OpenAiProvider } from './openai-provider.js';
import { LlmProfileStore, type LlmProfileRecord } from './profiles.js';
import type { ChatRequest, ChatResponse, LlmProvider, LlmProviderKind, TokenUsage } from './provider.js';
import type { LlmClientOptions, RetryOptions } from './transport.js';

/** Profile names: short, URL-safe, lower case. */
export const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** A tenant with more models than this is better served by a conversation than a form. */
export const MAX_PROFILES = 20;
/** Where a profile goes when it names no base URL. */
export const DEFAULT_BASE_URLS: Readonly<Record<LlmProviderKind, string>> = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' };
/** Hosts that always want a key: a profile for them without one could never work. */
const KEYED_HOSTS = new Set(['api.openai.com', 'api.anthropic.com']);
/** The highest price per million tokens a profile may state, in halalas (SAR 1,000,000). */
const MAX_PRICE = 100_000_000;

/** Failures that say something about the profile (its endpoint, key or model), which its health shows. */
const PROFILE_FAILURES = new Set(['LLM_CREDENTIALS_REFUSED', 'LLM_UNREACHABLE', 'LLM_TIMEOUT', 'LLM_UNAVAILABLE', 'LLM_RATE_LIMITED', 'LLM_BAD_RESPONSE', 'LLM_REQUEST_REFUSED', 'LLM_ADDRESS_FORBIDDEN']);

/** What an admin sends. On PUT, what is left out stays as it was (`apiKey: null` removes the key). */
export interface LlmProfileInput {
  readonly kind?: LlmProviderKind;
  readonly model?: string;
  /** Default: the provider's public API (`https://api.openai.com/v1`, `https://api.anthropic.com`). */
  readonly baseUrl?: string;
  /** Stored encrypted, never shown again; optional for local OpenAI-compatible servers. */
  readonly apiKey?: string | null;
  /** Price per million input tokens, in halalas (SAR 0.01), for cost budgets; default 0. */
  readonly inputHalalasPerMillionTokens?: number;
  readonly outputHalalasPerMillionTokens?: number;
  readonly isDefault?: boolean;
}

/** What the API shows of a profile: never the key, only its last four characters. */
export interface LlmProfileView {
  readonly name: string;
  readonly kind: LlmProviderKind;
  readonly model: string;
  readonly baseUrl: string;
  readonly hasApiKey: boolean;
  readonly apiKeyHint: string | null;
  readonly inputHalalasPerMillionTokens: number;
  readonly outputHalalasPerMillionTokens: number;
  readonly isDefault: boolean;
  readonly health: { status: 'unknown' | 'ok' | 'failing'; checkedAt: string | null; lastError: { code: string; message: string; at: string } | null };
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The answer of `POST .../llm-profiles/{name}/test`: one tiny chat call. */
export interface LlmProfileTestResult {
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly model: string | null;
  readonly reply: string | null;
  readonly usage: TokenUsage | null;
  readonly error: { code: string; message: string } | null;
  readonly profile: LlmProfileView;
}

/** A chat request to a profile: the model is the profile's unless the caller names another. */
export type ProfileChatRequest = Omit<ChatRequest, 'model'> & { readonly model?: string };

/** A tenant's profile as a provider: its model by default, through the tenant's limiter, with its prices. */
export interface ProfileProvider extends LlmProvider {
  readonly profile: string;
  readonly model: string;
  chat(request: ProfileChatRequest): Promise<ChatResponse>;
  /** What `usage` cost in whole halalas, rounded up (budgets never under-count); 0 for a profile without prices. */
  costHalalas(usage: TokenUsage): number;
  /** The exact cost in millionths of a halala: sum these where many small calls add up, then divide. */
  costMicroHalalas(usage: TokenUsage): number;
  /** Same as costHalalas (the task runner's name for it). */
  cost(usage: TokenUsage): number;
}

export interface LlmProfileServiceDeps {
  readonly tenants: TenantsApi;
  readonly box: SecretBox;
  readonly config: LlmConfig;
  readonly log: PluginContext['log'];
  /** Default: a keep-alive dispatcher with the address guard, owned (and closed) by the service. */
  readonly dispatcher?: Dispatcher;
  /** Default: AGENTS_LLM_MAX_ATTEMPTS attempts, 500 ms first backoff. */
  readonly retry?: RetryOptions;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function profileView(r: LlmProfileRecord): LlmProfileView {
  return {
    name: r.name,
    kind: r.kind,
    model: r.model,
    baseUrl: r.baseUrl,
    hasApiKey: r.apiKey !== null,
    apiKeyHint: r.apiKeyHint,
    inputHalalasPerMillionTokens: r.inputHalalasPerMillion,
    outputHalalasPerMillionTokens: r.outputHalalasPerMillion,
    isDefault: r.isDefault,
    health: {
      status: r.healthStatus,
      checkedAt: iso(r.healthCheckedAt),
      lastError: r.lastErrorCode ? { code: r.lastErrorCode, message: r.lastErrorMessage ?? '', at: iso(r.lastErrorAt)! } : null,
    },
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

/** `…abcd`: enough for an admin to tell keys apart, too little to use. */
export function keyHint(apiKey: string): string {
  return `…${apiKey.slice(-4)}`;
}

/** Micro-halalas for a usage at prices per million tokens: tokens × price, exact in integers. */
export function costMicroHalalas(usage: TokenUsage, prices: { input: number; output: number }): number {
  return usage.inputTokens * prices.input + usage.outputTokens * prices.output;
}

interface CachedProvider {
  readonly updatedAt: number;
  readonly provider: ProfileProvider;
}

/**
 * A tenant's LLM profiles: validated (an endpoint on the public internet unless private networks are
 * allowed), the key encrypted at rest and never shown back, and `providerFor` turning one into a
 * provider. Providers are kept while their profile is unchanged; every provider of a tenant shares the
 * tenant's limiter, so one tenant's agents together stay under AGENTS_LLM_MAX_CONCURRENT calls.
 */
export class LlmProfileService {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly providers = new Map<string, CachedProvider>();
  private readonly limiters = new Map<string, LlmLimiter>();

  constructor(private readonly deps: LlmProfileServiceDeps) {
    this.ownsDispatcher = deps.dispatcher === undefined;
    this.dispatcher = deps.dispatcher ?? llmDispatcher({ allowPrivateNetworks: deps.config.AGENTS_LLM_ALLOW_PRIVATE_NETWORKS });
  }

  async tenant(ref: string): Promise<Tenant> {
    return this.deps.tenants.tenants.get(ref);
  }

  private db(tenant: Tenant) {
    return this.deps.tenants.data.of(tenant);
  }

  async list(tenant: Tenant): Promise<LlmProfileView[]> {
    return (await LlmProfileStore.list(await this.db(tenant))).map(profileView);
  }

  /** A profile by name, or the default one. */
  async record(tenant: Tenant, name?: string): Promise<LlmProfileRecord> {
    const db = await this.db(tenant);
    if (name === undefined) {
      const found = await LlmProfileStore.getDefault(db);
      if (!found) throw LlmErrors.LLM_NO_PROFILE();
      return found;
    }
    const found = PROFILE_NAME.test(name) ? await LlmProfileStore.get(db, name) : null;
    if (!found) throw LlmErrors.LLM_PROFILE_NOT_FOUND(name.slice(0, 64));
    return found;
  }

  async get(tenant: Tenant, name?: string): Promise<LlmProfileView> {
    return profileView(await this.record(tenant, name));
  }

  /** Creates a profile; LLM_PROFILE_EXISTS when the name is taken. */
  async create(tenant: Tenant, name: string, input: LlmProfileInput): Promise<LlmProfileView> {
    return this.save(tenant, name, input, true);
  }

  /** Creates or changes a profile: what `input` leaves out stays as it was. */
  async put(tenant: Tenant, name: string, input: LlmProfileInput): Promise<LlmProfileView> {
    return this.save(tenant, name, input, false);
  }

  private async save(tenant: Tenant, name: string, input: LlmProfileInput, onlyNew: boolean): Promise<LlmProfileView> {
    if (!PROFILE_NAME.test(name)) throw LlmErrors.LLM_PROFILE_INVALID(`name ${JSON.stringify(name.slice(0, 64))}: use 1 to 64 lower-case letters, digits, - and _`);
    const db = await this.db(tenant);
    const existing = await LlmProfileStore.get(db, name);
    if (existing && onlyNew) throw LlmErrors.LLM_PROFILE_EXISTS(name);
    const kind = input.kind ?? existing?.kind;
    if (kind !== 'openai' && kind !== 'anthropic') throw LlmErrors.LLM_PROFILE_INVALID('kind: give "openai" (OpenAI and compatible servers: Ollama, vLLM, LM Studio) or "anthropic"');
    const model = (input.model ?? existing?.model ?? '').trim();
    if (!model || model.length > 200) throw LlmErrors.LLM_PROFILE_INVALID('model: give the model name the provider knows (e.g. gpt-4o-mini, claude-sonnet-4-5, llama3.1), at most 200 characters');
    // A profile changing kind without a new URL goes to the new provider's own API.
    const baseUrl = parseLlmBaseUrl(input.baseUrl ?? (existing && existing.kind === kind ? existing.baseUrl : DEFAULT_BASE_URLS[kind]));
    const price = (value: number | undefined, kept: number | undefined, what: string) => {
      const v = value ?? kept ?? 0;
      if (!Number.isInteger(v) || v < 0 || v > MAX_PRICE) throw LlmErrors.LLM_PROFILE_INVALID(`${what}: give whole halalas per million tokens, 0 to ${MAX_PRICE}`);
      return v;
    };
    const inputPrice = price(input.inputHalalasPerMillionTokens, existing?.inputHalalasPerMillion, 'inputHalalasPerMillionTokens');
    const outputPrice = price(input.outputHalalasPerMillionTokens, existing?.outputHalalasPerMillion, 'outputHalalasPerMillionTokens');
    let apiKey: string | null;
    let apiKeyHint: string | null;
    if (input.apiKey === undefined) {
      apiKey = existing?.apiKey ?? null;
      apiKeyHint = existing?.apiKeyHint ?? null;
    } else if (input.apiKey === null || input.apiKey === '') {
      apiKey = null;
      apiKeyHint = null;
    } else {
      if ([...input.apiKey].some((c) => /\s/.test(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) {
        throw LlmErrors.LLM_PROFILE_INVALID('apiKey: a key has no spaces or control characters; paste it again');
      }
      apiKey = this.deps.box.encrypt(input.apiKey);
      apiKeyHint = keyHint(input.apiKey);
    }
    if (apiKey === null && KEYED_HOSTS.has(new URL(baseUrl).hostname)) throw LlmErrors.LLM_PROFILE_INVALID(`apiKey: ${new URL(baseUrl).hostname} needs an API key`);
    await checkLlmAddress(baseUrl, this.deps.config.AGENTS_LLM_ALLOW_PRIVATE_NETWORKS);
    if (!existing && (await LlmProfileStore.count(db)) >= MAX_PROFILES) throw LlmErrors.LLM_PROFILE_LIMIT(MAX_PROFILES);
    const saved = await LlmProfileStore.save(
      db,
      { name, kind, model, baseUrl, apiKey, apiKeyHint, inputHalalasPerMillion: inputPrice, outputHalalasPerMillion: outputPrice, makeDefault: input.isDefault === true },
      Date.now(),
      { onlyNew },
    );
    // Another request created it between our read and our write.
    if (!saved) throw LlmErrors.LLM_PROFILE_EXISTS(name);
    this.providers.delete(`${tenant.id}|${name}`);
    this.deps.log.info({ tenantId: tenant.id, profile: name, kind, model, baseUrl }, 'llm profile saved');
    return this.get(tenant, name);
  }

  async remove(tenant: Tenant, name: string): Promise<void> {
    const removed = PROFILE_NAME.test(name) && (await LlmProfileStore.remove(await this.db(tenant), name));
    if (!removed) throw LlmErrors.LLM_PROFILE_NOT_FOUND(name.slice(0, 64));
    this.providers.delete(`${tenant.id}|${name}`);
  }

  /** One tiny chat call with the stored profile; the outcome is recorded as its health and answered, not thrown. */
  async test(tenant: Tenant, name: string): Promise<LlmProfileTestResult> {
    const record = await this.record(tenant, name);
    const started = performance.now();
    const db = await this.db(tenant);
    try {
      const provider = await this.providerFor(tenant, record.name);
      const res = await provider.chat({ messages: [{ role: 'user', content: 'Reply with the single word: OK' }], maxTokens: 16, temperature: 0 });
      await LlmProfileStore.recordHealthy(db, record.name, Date.now());
      const latencyMs = Math.round(performance.now() - started);
      return { ok: true, latencyMs, model: res.model, reply: res.text.slice(0, 200), usage: res.usage, error: null, profile: await this.get(tenant, record.name) };
    } catch (err) {
      await this.noteFailure(tenant, record.name, err);
      const latencyMs = Math.round(performance.now() - started);
      const e = err as DoganError;
      return { ok: false, latencyMs, model: null, reply: null, usage: null, error: { code: typeof e?.code === 'string' ? e.code : 'LLM_FAILED', message: String(e?.message ?? err).slice(0, 500) }, profile: await this.get(tenant, record.name) };
    }
  }

  /** Records a failure on the profile's health when it is the profile's (endpoint, key, model), not the request's; never throws. */
  async noteFailure(tenant: Tenant | string, name: string, err: unknown): Promise<void> {
    const code = (err as DoganError)?.code;
    if (typeof code !== 'string' || !PROFILE_FAILURES.has(code)) return;
    try {
      const t = typeof tenant === 'string' ? await this.tenant(tenant) : tenant;
      await LlmProfileStore.recordFailure(await this.db(t), name, code, (err as Error).message, Date.now());
    } catch (recordErr) {
      this.deps.log.warn({ err: recordErr, profile: name }, 'could not record an llm profile failure');
    }
  }

  /**
   * The provider of a tenant's profile (the default one when `profileName` is left out): the
   * profile's model unless a request names another, the tenant's limiter, the address guard, and the
   * profile's prices in `costHalalas`. LLM_NO_PROFILE or LLM_PROFILE_NOT_FOUND when there is none.
   */
  async providerFor(tenant: Tenant | string, profileName?: string): Promise<ProfileProvider> {
    const t = typeof tenant === 'string' ? await this.tenant(tenant) : tenant;
    const record = await this.record(t, profileName);
    const key = `${t.id}|${record.name}`;
    const cached = this.providers.get(key);
    if (cached && cached.updatedAt === record.updatedAt) return cached.provider;
    const provider = this.build(t.id, record);
    if (this.providers.size > 10_000) this.providers.clear();
    this.providers.set(key, { updatedAt: record.updatedAt, provider });
    return provider;
  }

  /** Closes the dispatcher the service made (not one it was given). */
  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  private build(tenantId: string, record: LlmProfileRecord): ProfileProvider {
    const allowPrivate = this.deps.config.AGENTS_LLM_ALLOW_PRIVATE_NETWORKS;
    const options: LlmClientOptions = {
      baseUrl: record.baseUrl,
      apiKey: record.apiKey === null ? undefined : this.deps.box.decrypt(record.apiKey),
      dispatcher: this.dispatcher,
      timeoutMs: this.deps.config.AGENTS_LLM_TIMEOUT_MS,
      retry: this.deps.retry ?? { attempts: this.deps.config.AGENTS_LLM_MAX_ATTEMPTS },
      limiter: this.limiter(tenantId),
      // Names are checked by the dispatcher's lookup on every connection; a literal address never
      // goes through DNS, so it is checked here.
      checkAddress: async (host) => {
        if (!allowPrivate && isIP(host) && !isPublicAddress(host)) throw LlmErrors.LLM_ADDRESS_FORBIDDEN(host, host);
      },
      onRequest: (info) => this.deps.log.debug({ tenantId, profile: record.name, llm: info }, 'llm request'),
    };
    const inner: LlmProvider = record.kind === 'anthropic' ? new AnthropicProvider(options) : new OpenAiProvider(options);
    const prices = { input: record.inputHalalasPerMillion, output: record.outputHalalasPerMillion };
    const costHalalas = (usage: TokenUsage) => Math.ceil(costMicroHalalas(usage, prices) / 1_000_000);
    return {
      kind: record.kind,
      profile: record.name,
      model: record.model,
      chat: (request) => inner.chat({ ...request, model: request.model ?? record.model }),
      costHalalas,
      costMicroHalalas: (usage) => costMicroHalalas(usage, prices),
      cost: costHalalas,
    };
  }

  private limiter(tenantId: string): LlmLimiter {
    let limiter = this.limiters.get(tenantId);
    if (!limiter) {
      limiter = new LlmLimiter({ maxConcurrent: this.deps.config.AGENTS_LLM_MAX_CONCURRENT, maxWaitMs: this.deps.config.AGENTS_LLM_TIMEOUT_MS });
      if (this.limiters.size > 10_000) this.limiters.clear();
      this.limiters.set(tenantId, limiter);
    }
    return limiter;
  }
}

