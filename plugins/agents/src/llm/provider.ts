/**
 * One interface over the LLM providers employee agents talk to. The runner speaks only this: a
 * conversation of user, assistant and tool messages, tools described by JSON Schema, and an answer
 * of text, tool calls, why the model stopped and what it cost in tokens. Each provider translates it
 * to its wire format (OpenAI-compatible chat completions, Anthropic Messages) and back.
 */

/** A tool call the model asked for. */
export interface ToolCall {
  /** The provider's id, echoed back on the tool message that answers it. */
  readonly id: string;
  readonly name: string;
  /**
   * The arguments as parsed JSON. When the model sent text that is not JSON this is
   * `{ __invalidJson: text }`, so the runner can record it and answer the call with an error.
   */
  readonly arguments: unknown;
}

export type ChatMessage =
  | { readonly role: 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls?: readonly ToolCall[] }
  /** The answer to one tool call: `content` is the JSON text of the tool's result or error. */
  | { readonly role: 'tool'; readonly toolCallId: string; readonly name: string; readonly content: string };

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments object. */
  readonly inputSchema: Record<string, unknown>;
}

export interface ChatRequest {
  readonly model: string;
  readonly system?: string;
  readonly messages: readonly ChatMessage[];
  readonly tools?: readonly ToolSpec[];
  /** Longest answer, in tokens; Anthropic requires one (1024 when left out). */
  readonly maxTokens?: number;
  readonly temperature?: number;
  /** Cancels the call (the promise rejects with the signal's reason). */
  readonly signal?: AbortSignal;
  /** Ask for server-sent events; the answer is the same, assembled from the deltas. */
  readonly stream?: boolean;
  /** With `stream`: every piece of answer text, as it arrives. */
  readonly onDelta?: (text: string) => void;
}

export type StopReason = 'end' | 'tool_calls' | 'max_tokens' | 'other';

export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface ChatResponse {
  readonly text: string;
  readonly toolCalls: ToolCall[];
  readonly stopReason: StopReason;
  readonly usage: TokenUsage;
  /** The model that answered, as the provider named it (else the one asked for). */
  readonly model: string;
  /** Never the provider's raw body: answers are translated, not passed through. */
  readonly raw?: never;
}

export type LlmProviderKind = 'openai' | 'anthropic';

export interface LlmProvider {
  readonly kind: LlmProviderKind;
  chat(request: ChatRequest): Promise<ChatResponse>;
}

/** The key the arguments of a tool call carry when the model's arguments were not JSON. */
export const INVALID_JSON_KEY = '__invalidJson';

/** Parses tool-call arguments: an empty string is `{}` (no arguments); text that is not JSON is `{ __invalidJson: text }`. */
export function parseToolArguments(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { [INVALID_JSON_KEY]: text };
  }
}

/** The text the model sent, when `args` is what parseToolArguments made of invalid JSON. */
export function invalidJsonText(args: unknown): string | undefined {
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return undefined;
  const keys = Object.keys(args);
  const value = (args as Record<string, unknown>)[INVALID_JSON_KEY];
  return keys.length === 1 && typeof value === 'string' ? value : undefined;
}
