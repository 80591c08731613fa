/**
 * The simulator's public types. A test scripts what "the model" answers; the simulator turns each
 * scripted reply into the exact bytes OpenAI or Anthropic would send for the request that took it.
 */

/** Token counts as a script states them; the simulator maps them to each format's field names. */
export interface ScriptedUsage {
  input: number;
  output: number;
}

export interface ScriptedToolCall {
  /** Generated in the format's style (`call_…` / `toolu_…`) when absent. */
  id?: string;
  name: string;
  /** A plain value: OpenAI gets it as a JSON string (`function.arguments`), Anthropic as an object (`input`). */
  arguments: unknown;
}

export type ScriptedReply =
  | { text: string; usage?: ScriptedUsage }
  | { toolCalls: ScriptedToolCall[]; text?: string; usage?: ScriptedUsage }
  /** An HTTP error as the provider sends it. Without `body`, the format's own error body for that status is sent. */
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Bytes sent as they are with status 200: malformed JSON, a truncated stream, a mid-stream `event: error`… */
  | { raw: string; contentType?: string }
  | { delayMs: number; then: ScriptedReply };

export type LlmFormat = 'openai' | 'anthropic';

export interface RecordedRequest {
  format: LlmFormat;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: any;
  headers: Record<string, string>;
  at: number;
}

export interface UnscriptedRequest {
  format: string;
  lastMessage: string;
  /** Why no script could answer: none left, or the script does not fit the request (tool calls without tools). */
  reason: string;
}

/** A request the simulator refused as the provider would (auth, headers, request shape): a client bug. */
export interface RejectedRequest {
  format: LlmFormat;
  status: number;
  message: string;
}

export interface LlmSimulatorOptions {
  /** The key clients must send (`Authorization: Bearer` for OpenAI, `x-api-key` for Anthropic). Random when absent. */
  apiKey?: string;
}

export interface LlmSimulator {
  /** `http://127.0.0.1:<port>`: the OpenAI base URL is `${url}/v1`, the Anthropic base URL is `${url}`. */
  readonly url: string;
  readonly apiKey: string;
  /** Queues replies; each is taken by the next model request of either format that no `on()` marker claims. */
  script(...replies: ScriptedReply[]): void;
  /**
   * Replies for requests whose last user/tool message contains `when`, taken in order and before the
   * queue. Once a marker's replies are used up, matching requests fall through to the queue.
   */
  on(when: string, ...replies: ScriptedReply[]): void;
  /** Every request to a model endpoint in arrival order, refused ones included. */
  readonly requests: RecordedRequest[];
  /** Requests that found no script. They were answered 500 with a body naming the problem; tests assert this is empty. */
  readonly unscripted: UnscriptedRequest[];
  /** Requests refused with a 4xx before any script was consumed (bad key, missing header, malformed request). */
  readonly rejected: RejectedRequest[];
  close(): Promise<void>;
}
