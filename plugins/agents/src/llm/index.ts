/**
 * The agents plugin's LLM layer: one provider interface over OpenAI-compatible chat completions and
 * Anthropic Messages, small clients over undici (retries, deadlines, typed errors, keys kept out of
 * errors and logs), and per-tenant profiles with encrypted keys and prices for cost budgets.
 */
export type { ChatMessage, ChatRequest, ChatResponse, LlmProvider, LlmProviderKind, StopReason, TokenUsage, ToolCall, ToolSpec } from './provider.js';
export { INVALID_JSON_KEY, invalidJsonText, parseToolArguments } from './provider.js';
export { LlmErrors } from './llm-errors.js';
export { llmConfigSchema, type LlmConfig } from './llm-config.js';
export { OpenAiProvider, type OpenAiProviderOptions } from './openai-provider.js';
export { AnthropicProvider, ANTHROPIC_VERSION, DEFAULT_MAX_TOKENS } from './anthropic-provider.js';
export type { LlmClientOptions, LlmRequestInfo, RetryOptions } from './transport.js';
export { LlmLimiter, type LlmLimiterOptions } from './limiter.js';
export { checkLlmAddress, llmDispatcher, parseLlmBaseUrl, type LlmDispatcherOptions } from './address.js';
export { llmMigrations } from './profiles.js';
export {
  LlmProfileService,
  MAX_PROFILES,
  type LlmProfileInput,
  type LlmProfileServiceDeps,
  type LlmProfileTestResult,
  type LlmProfileView,
  type ProfileChatRequest,
  type ProfileProvider,
} from './profile-service.js';
export { llmProfileRoutes } from './profile-routes.js';
